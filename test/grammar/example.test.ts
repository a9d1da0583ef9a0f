// The complete example of the language reference parses, without diagnostics, into the expected AST.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ClauseAst, MachineAst, StateAst } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";

const path = "test/grammar/fixtures/inbound-call.fsm";
const text = readFileSync(new URL("./fixtures/inbound-call.fsm", import.meta.url), "utf8");
const { ast, diagnostics } = parseSource({ path, text });
const machine = ast.machines[0] as MachineAst;

function state(name: string): StateAst {
  const found = machine.states.find((s) => s.name.text === name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

function clause(stateName: string, index: number): ClauseAst {
  const found = state(stateName).clauses[index];
  if (!found) throw new Error(`no clause ${index} in ${stateName}`);
  return found;
}

test("the example has no diagnostics and one machine", () => {
  assert.equal(diagnostics, []);
  assert.is(ast.path, path);
  assert.is(ast.machines.length, 1);
  assert.is(machine.file, path);
});

test("machine name, doc comment, version and range", () => {
  assert.is(machine.name.text, "InboundCall");
  assert.equal(machine.name.range.start, { offset: text.indexOf("InboundCall"), line: 2, column: 9 });
  assert.equal(machine.name.range.end, { offset: text.indexOf("InboundCall") + 11, line: 2, column: 20 });
  assert.is(machine.doc, "An inbound call to an IVR: greet, collect one digit, route to an agent.");
  assert.is(machine.version?.value, 3);
  assert.equal(machine.range.start, { offset: text.indexOf("machine"), line: 2, column: 1 });
  assert.is(machine.range.end.offset, text.lastIndexOf("}") + 1);
});

test("context fields with types, optionals and defaults", () => {
  assert.equal(
    machine.context.map((f) => f.name.text),
    ["caller", "digits", "attempts", "agent"],
  );
  const [caller, digits, attempts, agent] = machine.context;
  assert.equal(caller?.type.base, { kind: "string" });
  assert.is(caller?.default, undefined);
  assert.equal(digits?.default && { kind: digits.default.kind, range: digits.default.range.start.column }, { kind: "string", range: 22 });
  assert.equal(attempts?.type.base, { kind: "int" });
  assert.equal(attempts?.default?.kind === "number" && attempts.default.value, 0);
  assert.is(agent?.type.optional, true);
  assert.is(agent?.type.array, false);
  assert.equal(agent?.range.start, { offset: text.indexOf("agent: string?"), line: 9, column: 5 });
  assert.is(agent?.range.end.column, 19);
});

test("events, with the Digit payload as a union of string literals", () => {
  assert.equal(
    machine.events.map((e) => e.name.text),
    ["Answered", "Digit", "Hangup", "Bridged", "BridgeFailed"],
  );
  const digit = machine.events[1];
  assert.equal(digit?.fields[0]?.type.base, { kind: "enum", values: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"] });
  assert.is(machine.events[0]?.fields.length, 0);
  assert.is(machine.events[2]?.fields[0]?.type.optional, true);
  assert.equal(digit?.range.start, { offset: text.indexOf("event Digit"), line: 13, column: 3 });
});

test("the deadline and the machine-level on clause", () => {
  const [deadline] = machine.deadlines;
  assert.is(machine.deadlines.length, 1);
  assert.equal(deadline?.duration.ms, 2 * 3_600_000);
  assert.is(deadline?.duration.text, "2h");
  assert.is(deadline?.target.text, "TimedOut");
  assert.equal(
    deadline?.actions.map((a) => a.text),
    ["logTimeout"],
  );
  assert.equal(deadline?.range.start, { offset: text.indexOf("deadline"), line: 18, column: 3 });
  assert.is(deadline?.range.end.offset, text.indexOf("logTimeout") + "logTimeout".length);
  assert.is(deadline?.range.end.column, 39);
  const [anyOn] = machine.anyOns;
  assert.is(anyOn?.scope, "machine");
  assert.equal(anyOn?.trigger.kind === "event" && anyOn.trigger.event.text, "Hangup");
  assert.is(anyOn?.target?.text, "Ended");
  assert.equal(
    anyOn?.actions.map((a) => a.text),
    ["recordHangup"],
  );
});

test("states in order, with initial and final keywords and their ranges", () => {
  assert.equal(
    machine.states.map((s) => s.name.text),
    ["Ringing", "Greeting", "Routing", "Connected", "Ended", "Missed", "TimedOut"],
  );
  assert.equal(state("Ringing").initial?.start, { offset: text.indexOf("initial state"), line: 21, column: 3 });
  assert.is(state("Ringing").final, undefined);
  assert.equal(
    machine.states.filter((s) => s.final).map((s) => s.name.text),
    ["Ended", "Missed", "TimedOut"],
  );
  assert.equal(state("Missed").range.start.line, 47);
  assert.equal(state("Missed").range.end.column, 21);
  assert.equal(
    state("Ended").entries.map((e) => e.actions.map((a) => a.text)),
    [["releaseResources"]],
  );
  assert.equal(
    state("Connected").exits.map((e) => e.actions.map((a) => a.text)),
    [["stopRecording"]],
  );
});

test("timers carry their duration in milliseconds", () => {
  const ringingTimer = clause("Ringing", 1);
  assert.equal(ringingTimer.trigger.kind === "after" && ringingTimer.trigger.duration.ms, 30_000);
  assert.equal(ringingTimer.trigger.kind === "after" && ringingTimer.trigger.duration.range.start, { offset: text.indexOf("30s"), line: 23, column: 11 });
  const routingTimer = clause("Routing", 3);
  assert.equal(routingTimer.trigger.kind === "after" && routingTimer.trigger.duration.ms, 45_000);
});

test("clauses keep guard, target and actions, in source order", () => {
  const greeting = state("Greeting").clauses;
  assert.is(greeting.length, 4);
  assert.equal(greeting[0]?.guard, { kind: "ref", name: { text: "isMenuChoice", range: greeting[0]?.guard?.range }, range: greeting[0]?.guard?.range });
  assert.equal(greeting[0]?.guard?.range.start, { offset: text.indexOf("isMenuChoice"), line: 28, column: 15 });
  const internal = greeting[2];
  assert.is(internal?.target, undefined);
  assert.equal(
    internal?.actions.map((a) => a.text),
    ["countAttempt", "playRetry"],
  );
  assert.equal(internal?.range.start, { offset: text.indexOf("on Digit / countAttempt"), line: 30, column: 5 });
  assert.is(internal?.range.end.column, 39);
  const selfTransition = greeting[3];
  assert.is(selfTransition?.target?.text, "Greeting");
});

test("a guard with '!' and '&&' becomes a tree, and '[else]' an else guard", () => {
  const guard = clause("Routing", 1).guard;
  assert.is(guard?.kind, "and");
  if (guard?.kind !== "and") return;
  assert.is(guard.operands.length, 2);
  const [negated, plain] = guard.operands;
  assert.is(negated?.kind, "not");
  assert.equal(negated?.kind === "not" && negated.operand.kind === "ref" && negated.operand.name.text, "tooManyAttempts");
  assert.equal(plain?.kind === "ref" && plain.name.text, "hasOtherAgents");
  assert.equal(guard.range.start, { offset: text.indexOf("!tooManyAttempts"), line: 37, column: 22 });
  assert.is(guard.range.end.offset, text.indexOf("hasOtherAgents") + "hasOtherAgents".length);
  const elseGuard = clause("Routing", 2).guard;
  assert.equal(elseGuard?.kind, "else");
  assert.equal(elseGuard?.range.start, { offset: text.indexOf("else]"), line: 38, column: 22 });
});

test.run();
