// What error recovery keeps in the AST: every node whose required parts were written, with the extent of what was read.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SourceRange } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";

function parse(text: string) {
  const { ast, diagnostics } = parseSource({ path: "r.fsm", text });
  return { machine: ast.machines[0], reported: diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`) };
}

const at = (range: SourceRange) => `${range.start.line}:${range.start.column}-${range.end.line}:${range.end.column}`;

test("a clause whose guard breaks off keeps the operand read before the break, and the clauses after it survive", () => {
  const { machine, reported } = parse("machine A {\n  event E\n  initial state S {\n    on E -> S / a\n    on E [ok && ] -> S\n    after 5s -> S\n  }\n}");
  assert.equal(reported, ["5:17 FSM001 expected a guard name, '!' or '(' after '&&', found ']'"]);
  const clauses = machine?.states[0]?.clauses ?? [];
  assert.equal(
    clauses.map((c) => [c.trigger.kind, c.guard?.kind, c.target?.text, at(c.range)]),
    [
      ["event", undefined, "S", "4:5-4:18"],
      ["event", "ref", "S", "5:5-5:23"],
      ["after", undefined, "S", "6:5-6:18"],
    ],
  );
});

test("a deadline without its target is left out, but its zero duration is still reported", () => {
  const { machine, reported } = parse("machine A {\n  deadline 0s ->\n}");
  assert.equal(reported, [
    "2:12 FSM105 duration '0s' is zero: a timer or deadline needs a positive duration, e.g. 30s",
    "3:1 FSM001 expected a name after '->', found '}'",
  ]);
  assert.equal(machine?.deadlines, []);
});

test("a state without a name is left out with everything in it, so its durations are not judged", () => {
  const { machine, reported } = parse("machine A {\n  state {\n    after 0s -> S\n  }\n}");
  assert.equal(reported, ["2:9 FSM001 expected a name after 'state', found '{'"]);
  assert.equal(machine?.states, []);
});

test("an unfinished array default keeps its items, and its range reaches the last separator read", () => {
  const { machine, reported } = parse("machine A {\n  context {\n    xs: int[] = [1, 2,\n  }\n}");
  assert.equal(reported, ["4:3 FSM001 expected a value (string, number, 'true', 'false' or '[') after ',', found '}'"]);
  const field = machine?.context[0];
  assert.equal(field?.default?.kind === "array" ? field.default.items.map((item) => (item.kind === "number" ? item.value : item.kind)) : undefined, [1, 2]);
  assert.equal(field && at(field.range), "3:5-3:23");
});

test.run();
