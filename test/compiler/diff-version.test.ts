// Specification of the diff's version rules: a changed machine must be re-versioned (FSM601), a version never goes down (FSM602), and a compatible change reports nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertDiff, assertNoReports, baseSpec, diffSpecs, edit, version } from "../support/diffed-specs.js";

test("FSM601: a changed machine whose version was not bumped is an error at its version number", () => {
  const changed = edit(baseSpec, ["on Answered -> Talking / bridgeCall", "on Answered -> Talking / bridgeCall, startRecording"]);
  assertDiff(baseSpec, changed, {
    code: "FSM601",
    severity: "error",
    in: "new",
    at: "1",
    occurrence: 0,
    mentions: ["machine 'Call' changed", "states.Ringing.on.Answered[0].actions[1]", "still version 1", "version 2"],
  });
});

test("FSM601: without a version line the report is at the machine's name (the version is 1)", () => {
  const old = edit(baseSpec, ["  version 1\n", ""]);
  const changed = edit(old, ["after 1h -> Ended", "after 2h -> Ended"]);
  const found = diffSpecs(old, changed).filter((d) => d.code === "FSM601");
  assert.is(found.length, 1);
  assert.equal([found[0]!.range.start.line, found[0]!.range.start.column], [2, 9]);
});

test("FSM602: a version that went down is an error at the new version number, whatever changed", () => {
  assertDiff(version(3), version(2), { code: "FSM602", severity: "error", in: "new", at: "2", occurrence: 0, mentions: ["from 3 to 2", "version 4"] });
});

test("an unchanged machine at the same version reports nothing", () => {
  assertNoReports(baseSpec, baseSpec);
});

test("doc comments, comments, layout and the order of declarations are not changes", () => {
  const reordered = edit(
    baseSpec,
    ["/// Ring an agent.\n", "/// Ring an agent, then talk.\n"],
    ["  event Answered\n", ""],
    ["  event Transfer { to: string, count: number }\n", "  event Transfer { to: string, count: number }   // declared after Transfer now\n  event Answered\n"],
    ["  state Talking {\n    on Transfer -> Transferring\n    after 1h -> Ended\n  }\n", ""],
    ["  final state Ended\n", "  state Talking { on Transfer -> Transferring  after 1h -> Ended }\n\n  final state Ended\n"],
  );
  assertNoReports(baseSpec, reordered);
});

test("FSM601: clauses are compared in order, as flows try them: two guarded clauses of an event swapped are a change", () => {
  const old = edit(baseSpec, ["on Declined [else] -> Ended", "on Declined [isBusy] -> Ended\n    on Declined [else] -> Ended"]);
  const swapped = edit(old, [
    "on Declined [canRetry] -> Ringing / countAttempt\n    on Declined [isBusy] -> Ended\n",
    "on Declined [isBusy] -> Ended\n    on Declined [canRetry] -> Ringing / countAttempt\n",
  ]);
  assertDiff(old, swapped, { code: "FSM601", severity: "error", in: "new", at: "1", occurrence: 0, mentions: ["states.Ringing.on.Declined[0]"] });
});

test("clauses of different events in another order are not a change", () => {
  const swapped = edit(baseSpec, [
    "on Answered -> Talking / bridgeCall\n    on Declined [canRetry] -> Ringing / countAttempt\n    on Declined [else] -> Ended\n",
    "on Declined [canRetry] -> Ringing / countAttempt\n    on Declined [else] -> Ended\n    on Answered -> Talking / bridgeCall\n",
  ]);
  assertNoReports(baseSpec, swapped);
});

test("a bumped version with an added optional field, a new event and a new state reports nothing", () => {
  const next = version(
    2,
    [
      "context { agentId: string, attempts: int = 0, note: string? }",
      "context { agentId: string, attempts: int = 0, note: string?, queue: string?, tries: int = 1 }",
    ],
    ["event Hangup { cause: string }", "event Hangup { cause: string, sipCode: int? }\n  event Held"],
    ["on Transfer -> Transferring", "on Transfer -> Transferring\n    on Held -> OnHold"],
    ["  final state Ended\n", "  state OnHold { after 5m -> Talking }\n\n  final state Ended\n"],
  );
  assertNoReports(baseSpec, next);
});

test("a version bumped with nothing changed reports nothing", () => {
  assertNoReports(baseSpec, version(7));
});

test.run();
