// Specification of the liveness check: without a deadline, every reachable non-final state needs a timer (FSM203).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertClean, assertNoReport, assertReports, diagnosticsWithCode } from "../support/checked-spec.js";

function spec({ deadline = "", talking = "after 1h -> Ended" } = {}): string {
  return `machine Call {
  event Answered
  event Hangup
  ${deadline}
  initial state Ringing {
    on Answered -> Talking
    after 30s -> Ended
  }
  state Talking {
    on Hangup -> Ended
    ${talking}
  }
  final state Ended
}
`;
}

test("the clean machine the liveness specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM203: a reachable state without a timer in a machine without a deadline is a warning at the state's name", () => {
  assertReports(spec({ talking: "" }), {
    code: "FSM203",
    severity: "warning",
    at: "Talking",
    occurrence: 1,
    mentions: ["'Talking'", "no timer", "no deadline", "'after'"],
  });
});

test("FSM203: a deadline makes every state live", () => {
  assertClean(spec({ talking: "", deadline: "deadline 2h -> Ended" }));
});

test("FSM203: a timer with an internal transition still counts as a timer", () => {
  assertNoReport(spec({ talking: "after 1m / remind" }), "FSM203");
});

test("FSM203: one warning per state without a timer", () => {
  const text = spec({ talking: "on Answered -> Holding" }).replace("final state Ended", "state Holding { on Hangup -> Ended }\n  final state Ended");
  assert.equal(
    diagnosticsWithCode(text, "FSM203").map((d) => d.message.split("'")[1]),
    ["Talking", "Holding"],
  );
});

test("FSM203: an unreachable state is left to FSM201", () => {
  const text = spec().replace("final state Ended", "state Orphan { on Hangup -> Ended }\n  final state Ended");
  assertNoReport(text, "FSM203");
});

test.run();
