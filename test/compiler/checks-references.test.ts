// Specification of the reference checks: transition and deadline targets (FSM102) and `on` events (FSM103) must be declared.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertClean, assertNoReport, assertReports } from "../support/checked-spec.js";

function spec({ target = "Connected", deadlineTarget = "TimedOut", event = "Bridged", anyOnEvent = "Hangup" } = {}): string {
  return `machine Call {
  event Bridged
  event Hangup
  deadline 1h -> ${deadlineTarget}
  on ${anyOnEvent} -> Ended
  initial state Routing {
    on ${event} -> ${target}
    after 45s -> Ended
  }
  state Connected {
    after 1h -> Ended
  }
  final state Ended
  final state TimedOut
}
`;
}

test("the clean machine the reference specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM102: a transition to an undeclared state is reported at the target, suggesting the near miss", () => {
  assertReports(spec({ target: "Conected" }), {
    code: "FSM102",
    severity: "error",
    at: "Conected",
    mentions: ["undeclared state 'Conected'", "did you mean 'Connected'?"],
  });
});

test("FSM102: a target unlike any state gets no suggestion but says how to fix it", () => {
  const found = assertReports(spec({ target: "Voicemail" }), {
    code: "FSM102",
    severity: "error",
    at: "Voicemail",
    mentions: ["'Voicemail'", "declare the state"],
  });
  assert.not.ok(found.message.includes("did you mean"), found.message);
});

test("FSM102: a deadline targeting an undeclared state is reported", () => {
  assertReports(spec({ deadlineTarget: "Timedout" }), {
    code: "FSM102",
    severity: "error",
    at: "Timedout",
    mentions: ["deadline", "did you mean 'TimedOut'?"],
  });
});

test("FSM102: a target that is declared after its use is fine", () => {
  assertNoReport(spec({ target: "TimedOut" }), "FSM102");
});

test("FSM103: a state's `on` naming an undeclared event is reported at the event, suggesting the near miss", () => {
  assertReports(spec({ event: "Bridge" }), {
    code: "FSM103",
    severity: "error",
    at: "Bridge",
    occurrence: 1,
    mentions: ["undeclared event 'Bridge'", "did you mean 'Bridged'?"],
  });
});

test("FSM103: a machine-level `on` naming an undeclared event is reported", () => {
  assertReports(spec({ anyOnEvent: "HangUp" }), {
    code: "FSM103",
    severity: "error",
    at: "HangUp",
    mentions: ["'HangUp'", "did you mean 'Hangup'?"],
  });
});

test("FSM103: an event may share a state's name without being declared as a state", () => {
  assertNoReport(spec({ event: "Hangup" }), "FSM103");
});

test.run();
