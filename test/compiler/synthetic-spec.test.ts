// The benchmark's synthetic specs are valid, realistic input: clean under every check, about ten clauses per state.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { syntheticSpec } from "../../bench/synthetic.js";
import { analyze } from "../../compiler/check.js";

test("synthetic specs of several sizes check with zero diagnostics", () => {
  for (const states of [1, 2, 3, 10, 250]) {
    const { diagnostics } = analyze([{ path: `synthetic-${states}.fsm`, text: syntheticSpec(states) }]);
    assert.equal(
      diagnostics.map((d) => `${d.code} ${d.message}`),
      [],
      `${states} states`,
    );
  }
});

test("a synthetic spec has the requested states, about ten clauses each, a deadline and a machine-level on", () => {
  const { files } = analyze([{ path: "synthetic.fsm", text: syntheticSpec(40) }]);
  const machine = files[0]?.machines[0];
  const nonFinal = machine?.states.filter((s) => !s.final) ?? [];
  assert.is(nonFinal.length, 40);
  for (const state of nonFinal) assert.ok(state.clauses.length >= 10, `${state.name.text} has ${state.clauses.length} clauses`);
  assert.ok(
    nonFinal.every((s) => s.clauses.some((c) => c.guard?.kind === "else")),
    "every state has an [else]",
  );
  assert.ok(
    nonFinal.every((s) => s.clauses.some((c) => c.trigger.kind === "after")),
    "every state has a timer",
  );
  assert.ok(
    nonFinal.every((s) => s.clauses.some((c) => c.target === undefined)),
    "every state has an internal transition",
  );
  assert.is(machine?.deadlines.length, 1);
  assert.is(machine?.anyOns.length, 1);
});

test("a size that is not a positive integer is refused", () => {
  assert.throws(() => syntheticSpec(0), /positive integer/);
  assert.throws(() => syntheticSpec(2.5), /positive integer/);
});

test.run();
