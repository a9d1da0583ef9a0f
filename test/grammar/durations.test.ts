// Durations are read into milliseconds; zero, malformed, out-of-order and repeated-unit durations are FSM105 at the duration.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DurationAst } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";

function timer(duration: string): { duration: DurationAst | undefined; diagnostics: string[] } {
  const { ast, diagnostics } = parseSource({ path: "d.fsm", text: `machine A {\n  state S { after ${duration} -> S }\n}` });
  const trigger = ast.machines[0]?.states[0]?.clauses[0]?.trigger;
  return {
    duration: trigger?.kind === "after" ? trigger.duration : undefined,
    diagnostics: diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column}-${d.range.end.column} ${d.code} ${d.message}`),
  };
}

const advice = "write a positive whole number of d, h, m, s or ms, largest unit first, e.g. 30s, 1m30s or 250ms";

test("valid durations in each unit and combined", () => {
  for (const [text, ms] of [
    ["250ms", 250],
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
    ["1h0m1ms", 3_600_001],
  ] as const) {
    const { duration, diagnostics } = timer(text);
    assert.equal(diagnostics, [], text);
    assert.is(duration?.ms, ms, text);
    assert.is(duration?.text, text);
  }
});

test("zero is FSM105 and keeps ms 0", () => {
  const { duration, diagnostics } = timer("0s");
  assert.equal(diagnostics, ["2:19-21 FSM105 duration '0s' is zero: a timer or deadline needs a positive duration, e.g. 30s"]);
  assert.is(duration?.ms, 0);
});

test("an unknown unit is FSM105 and ms is NaN", () => {
  const { duration, diagnostics } = timer("5x");
  assert.equal(diagnostics, [`2:19-21 FSM105 duration '5x' has an unknown unit 'x' (units are d, h, m, s, ms): ${advice}`]);
  assert.ok(Number.isNaN(duration?.ms));
});

test("units out of order are FSM105", () => {
  const { duration, diagnostics } = timer("30s1m");
  assert.equal(diagnostics, [`2:19-24 FSM105 duration '30s1m' has its units out of order ('m' after 's'): ${advice}`]);
  assert.ok(Number.isNaN(duration?.ms));
  assert.equal(timer("1m30s").diagnostics, []);
});

test("a repeated unit is FSM105", () => {
  assert.equal(timer("1s1s").diagnostics, [`2:19-23 FSM105 duration '1s1s' repeats the unit 's': ${advice}`]);
  assert.equal(timer("1s").diagnostics, []);
});

test("a number without a unit is FSM105, not a syntax error", () => {
  assert.equal(timer("30").diagnostics, [`2:19-21 FSM105 duration '30' has no unit: ${advice}`]);
});

test("a fraction is FSM105", () => {
  assert.equal(timer("1.5s").diagnostics, [`2:19-23 FSM105 duration '1.5s' is not a whole number: ${advice}`]);
});

test("trailing digits after the last unit are FSM105", () => {
  assert.equal(timer("1m30").diagnostics, [`2:19-23 FSM105 duration '1m30' is malformed at '30': ${advice}`]);
});

test("deadline durations are checked the same way", () => {
  const { ast, diagnostics } = parseSource({ path: "d.fsm", text: "machine A { deadline 0h -> S }" });
  assert.equal(
    diagnostics.map((d) => `${d.range.start.column} ${d.code}`),
    ["22 FSM105"],
  );
  assert.is(ast.machines[0]?.deadlines[0]?.duration.ms, 0);
});

test.run();
