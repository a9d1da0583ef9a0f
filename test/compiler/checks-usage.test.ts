// Specification of the usage check: a declared event that no clause handles (FSM401).
import { test } from "uvu";

import { assertClean, assertNoReport, assertReports } from "../support/checked-spec.js";

function spec({ members = "", ringing = "" } = {}): string {
  return `machine Call {
  event Answered
  event Hangup
  deadline 1h -> Ended
  ${members}
  initial state Ringing {
    on Answered -> Ended
    ${ringing}
  }
  final state Ended
}
`;
}

test("FSM401: a declared event no clause handles is a warning at its declaration", () => {
  assertReports(spec(), { code: "FSM401", severity: "warning", at: "Hangup", mentions: ["'Hangup'", "no clause handles it"] });
});

test("FSM401: an event handled by a state is used", () => {
  assertClean(spec({ ringing: "on Hangup -> Ended" }));
});

test("FSM401: an event handled only by a machine-level `on` is used", () => {
  assertNoReport(spec({ members: "on Hangup -> Ended" }), "FSM401");
});

test.run();
