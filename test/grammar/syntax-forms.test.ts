// Every form of the grammar parses into the AST it denotes: types, literals, clauses, guards, comments, docs, keyword names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FileAst, GuardAst, LiteralAst, MachineAst } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";

function parseClean(text: string): FileAst {
  const { ast, diagnostics } = parseSource({ path: "forms.fsm", text });
  assert.equal(
    diagnostics.map((d) => `${d.code} ${d.message}`),
    [],
  );
  return ast;
}

function firstMachine(text: string): MachineAst {
  const machine = parseClean(text).machines[0];
  if (!machine) throw new Error("no machine parsed");
  return machine;
}

/** A guard as compact text, to compare trees at a glance: and(a, not(b)). */
function show(guard: GuardAst | undefined): string {
  if (!guard) return "none";
  switch (guard.kind) {
    case "else":
      return "else";
    case "ref":
      return guard.name.text;
    case "not":
      return `not(${show(guard.operand)})`;
    case "and":
      return `and(${guard.operands.map(show).join(", ")})`;
    case "or":
      return `or(${guard.operands.map(show).join(", ")})`;
  }
}

function plain(literal: LiteralAst | undefined): unknown {
  if (!literal) return undefined;
  return literal.kind === "array" ? literal.items.map(plain) : literal.value;
}

test("an empty file has no machines", () => {
  assert.equal(parseClean("").machines, []);
  assert.equal(parseClean("  // nothing here\n/* at all */\n").machines, []);
});

test("several machines in one file, in order", () => {
  const ast = parseClean("machine A {}\nmachine B { state S }\nmachine C {}");
  assert.equal(
    ast.machines.map((m) => m.name.text),
    ["A", "B", "C"],
  );
  assert.equal(ast.machines[1]?.range.start, { offset: 13, line: 2, column: 1 });
  assert.is(ast.machines[0]?.version, undefined);
});

test("line and block comments are skipped anywhere between tokens", () => {
  const machine = firstMachine("machine /* name: */ A { // members\n state /* multi\n line */ S { on E -> S // loop\n } }");
  assert.equal(
    machine.states.map((s) => s.name.text),
    ["S"],
  );
  assert.is(machine.states[0]?.clauses[0]?.target?.text, "S");
  assert.equal(machine.states[0]?.name.range.start, { offset: 60, line: 3, column: 10 });
});

test("doc comments attach to the machine, states, events and fields after them", () => {
  const machine = firstMachine(
    "/// The machine.\n/// Second line.\nmachine A {\n  /// Input.\n  event E {\n    /// The payload.\n    n: int\n  }\n  context {\n    ///   Indented doc.\n    count: int = 0\n  }\n  /// Start here.\n  initial state S\n}",
  );
  assert.is(machine.doc, "The machine.\nSecond line.");
  assert.is(machine.events[0]?.doc, "Input.");
  assert.is(machine.events[0]?.fields[0]?.doc, "The payload.");
  assert.is(machine.context[0]?.doc, "  Indented doc.");
  assert.is(machine.states[0]?.doc, "Start here.");
});

test("a doc comment separated by a blank line or another comment documents nothing", () => {
  const machine = firstMachine("/// Detached.\n\nmachine A {\n  /// Interrupted.\n  // plain comment\n  state S\n  /// Not before a declaration.\n}");
  assert.is(machine.doc, undefined);
  assert.is(machine.states[0]?.doc, undefined);
});

test("four slashes are a plain comment, not a doc comment", () => {
  assert.is(firstMachine("//// banner\nmachine A {}").doc, undefined);
});

test("base types, arrays and optionals", () => {
  const text = "machine A { context { a: string, b: number[] c: int? d: boolean[]? } }";
  const machine = firstMachine(text);
  assert.equal(
    machine.context.map((f) => [f.name.text, f.type.base.kind, f.type.array, f.type.optional]),
    [
      ["a", "string", false, false],
      ["b", "number", true, false],
      ["c", "int", false, true],
      ["d", "boolean", true, true],
    ],
  );
  const at = text.indexOf("boolean[]?");
  assert.equal(machine.context[3]?.type.range, {
    start: { offset: at, line: 1, column: at + 1 },
    end: { offset: at + 10, line: 1, column: at + 11 },
  });
});

test("a union of string literals, optionally an array", () => {
  const machine = firstMachine('machine A { context { mode: "a" | "b\\n" | "\\u00e9"[]? } }');
  const type = machine.context[0]?.type;
  assert.equal(type?.base, { kind: "enum", values: ["a", "b\n", "é"] });
  assert.is(type?.array, true);
  assert.is(type?.optional, true);
});

test("defaults: strings with escapes, JSON numbers, booleans and nested arrays", () => {
  const machine = firstMachine(
    'machine A { context { s: string = "say \\"hi\\"\\t" n: number = -1.5e3, i: int = 42 t: boolean = true f: boolean = false l: int[] = [1, 2] m: string[] = [] k: int[] = [[1], []] } }',
  );
  assert.equal(
    machine.context.map((f) => plain(f.default)),
    ['say "hi"\t', -1500, 42, true, false, [1, 2], [], [[1], []]],
  );
  const number = machine.context[1]?.default;
  assert.equal(number?.kind === "number" && number.raw, "-1.5e3");
  assert.equal(machine.context[5]?.default?.range.start.column, machine.context[5] && machine.context[5].type.range.end.column + 3);
});

test("an event without a body has no fields; with an empty body too", () => {
  const machine = firstMachine("machine A { event E event F {} event G { a: int, b: string } }");
  assert.equal(
    machine.events.map((e) => [e.name.text, e.fields.length]),
    [
      ["E", 0],
      ["F", 0],
      ["G", 2],
    ],
  );
});

test("every clause form: target, guard, actions, internal, after, entry and exit lists", () => {
  const machine = firstMachine(`machine A {
  initial state S {
    entry a, b
    exit c
    entry d
    on E
    on E -> T
    on E [g] -> T / x, y
    on E [g] / x
    on E / x
    after 250ms
    after 1m30s [g] -> T / x
  }
  final state T
}`);
  const s = machine.states[0];
  assert.equal(
    s?.entries.map((e) => e.actions.map((a) => a.text)),
    [["a", "b"], ["d"]],
  );
  assert.equal(
    s?.exits.map((e) => e.actions.map((a) => a.text)),
    [["c"]],
  );
  assert.equal(
    s?.clauses.map((c) => [
      c.trigger.kind === "event" ? c.trigger.event.text : c.trigger.duration.ms,
      show(c.guard),
      c.target?.text ?? "-",
      c.actions.map((a) => a.text).join(","),
    ]),
    [
      ["E", "none", "-", ""],
      ["E", "none", "T", ""],
      ["E", "g", "T", "x,y"],
      ["E", "g", "-", "x"],
      ["E", "none", "-", "x"],
      [250, "none", "-", ""],
      [90_000, "g", "T", "x"],
    ],
  );
  assert.ok(s?.clauses.every((c) => c.scope === "state"));
});

test("on and after clauses keep their interleaved source order", () => {
  const clauses = firstMachine("machine A { state S { on E after 1s on F after 2s } }").states[0]?.clauses;
  assert.equal(
    clauses?.map((c) => (c.trigger.kind === "event" ? c.trigger.event.text : c.trigger.duration.text)),
    ["E", "1s", "F", "2s"],
  );
});

test("durations in every unit, combined largest first", () => {
  const machine = firstMachine("machine A { state S { after 250ms after 30s after 1m30s after 2h after 7d after 1d2h3m4s5ms } }");
  const ms = machine.states[0]?.clauses.map((c) => (c.trigger.kind === "after" ? c.trigger.duration.ms : -1));
  assert.equal(ms, [250, 30_000, 90_000, 7_200_000, 604_800_000, 86_400_000 + 7_200_000 + 180_000 + 4_000 + 5]);
});

test("guard precedence: '!' binds tighter than '&&', which binds tighter than '||'", () => {
  const machine = firstMachine("machine A { state S { on E [a || !b && c || d] on E [(a || b) && !(c)] on E [!!a] } }");
  assert.equal(
    machine.states[0]?.clauses.map((c) => show(c.guard)),
    ["or(a, and(not(b), c), d)", "and(or(a, b), not(c))", "not(not(a))"],
  );
});

test("a guard node's range covers its operands, and '!' its operand", () => {
  const guard = firstMachine("machine A { state S { on E [!a && bb] } }").states[0]?.clauses[0]?.guard;
  assert.equal(guard?.range.start.column, 29);
  assert.equal(guard?.range.end.column, 37);
  assert.equal(guard?.kind === "and" && guard.operands[0]?.range.end.column, 31);
});

test("machine-level deadline and on clauses are kept apart from states", () => {
  const machine = firstMachine("machine A { version 7 deadline 1h -> T on X [g] -> T / a deadline 5m -> T initial state S final state T }");
  assert.is(machine.version?.value, 7);
  assert.equal(
    machine.deadlines.map((d) => [d.duration.ms, d.target.text, d.actions.length]),
    [
      [3_600_000, "T", 0],
      [300_000, "T", 0],
    ],
  );
  assert.equal(
    machine.anyOns.map((c) => [c.scope, show(c.guard), c.target?.text, c.actions.map((a) => a.text)]),
    [["machine", "g", "T", ["a"]]],
  );
});

test("several context blocks merge their fields in order", () => {
  const machine = firstMachine("machine A { context { a: int } event E context { b: int } }");
  assert.equal(
    machine.context.map((f) => f.name.text),
    ["a", "b"],
  );
});

test("keywords in name positions parse, so the checks can reject them by name", () => {
  const machine = firstMachine(
    "machine machine { event type { class: string, state: int } state final { on event [else && on] -> initial / entry, exit } context { new: int } }",
  );
  assert.is(machine.name.text, "machine");
  assert.equal(
    machine.events[0]?.fields.map((f) => f.name.text),
    ["class", "state"],
  );
  const s = machine.states[0];
  assert.is(s?.name.text, "final");
  assert.is(s?.final, undefined);
  const c = s?.clauses[0];
  assert.equal(c?.trigger.kind === "event" && c.trigger.event.text, "event");
  assert.is(show(c?.guard), "and(else, on)");
  assert.is(c?.target?.text, "initial");
  assert.equal(
    c?.actions.map((a) => a.text),
    ["entry", "exit"],
  );
  assert.equal(
    machine.context.map((f) => f.name.text),
    ["new"],
  );
});

test("an identifier that merely starts with a keyword is an identifier", () => {
  const machine = firstMachine("machine stateMachine { state stateX { on onEvent -> finally } state finally state initialize }");
  assert.equal(
    machine.states.map((s) => s.name.text),
    ["stateX", "finally", "initialize"],
  );
  assert.is(machine.states[2]?.initial, undefined);
});

test("a byte order mark at the start of the text is whitespace", () => {
  assert.equal(
    parseClean("\uFEFFmachine A {}").machines.map((m) => m.name.text),
    ["A"],
  );
});

test("CRLF line endings count as one line break", () => {
  const machine = firstMachine("machine A {\r\n  state S\r\n}");
  assert.equal(machine.states[0]?.range.start, { offset: 15, line: 2, column: 3 });
});

test.run();
