// Specification of the structure checks: one initial state (FSM104), quiet final states (FSM106), some final state (FSM107), no initial final state (FSM109).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertClean, assertNoReport, assertReports, diagnosticsWithCode } from "../support/checked-spec.js";

function spec({ ringing = "initial state", ended = "final state", endedBody = "", talking = "state" } = {}): string {
  return `machine Call {
  event Answered
  event Hangup
  deadline 1h -> Ended
  ${ringing} Ringing {
    on Answered -> Talking
    after 30s -> Ended
  }
  ${talking} Talking {
    on Hangup -> Ended
  }
  ${ended} Ended { entry release ${endedBody} }
}
`;
}

test("the clean machine the structure specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM104: a machine without an initial state is reported at the machine name", () => {
  assertReports(spec({ ringing: "state" }), { code: "FSM104", severity: "error", at: "Call", mentions: ["no initial state", "'Call'"] });
});

test("FSM104: a second initial state is reported at its `initial` keyword", () => {
  assertReports(spec({ talking: "initial state" }), {
    code: "FSM104",
    severity: "error",
    at: "initial",
    occurrence: 1,
    mentions: ["'Talking'", "'Ringing'", "exactly one"],
  });
});

test("FSM104: every extra initial state is reported once", () => {
  const text = spec({ talking: "initial state" }).replace("final state Ended", "initial state Other { after 1s -> Ended }\n  final state Ended");
  const found = diagnosticsWithCode(text, "FSM104");
  assert.equal(
    found.map((d) => d.message.split("'")[1]),
    ["Talking", "Other"],
  );
});

test("FSM106: an `on` clause in a final state is reported at the `on` keyword", () => {
  assertReports(spec({ endedBody: "on Answered -> Ringing" }), {
    code: "FSM106",
    severity: "error",
    at: "on",
    occurrence: 2,
    mentions: ["final state 'Ended'", "'on' clause"],
  });
});

test("FSM106: an `after` clause in a final state is reported at the `after` keyword", () => {
  assertReports(spec({ endedBody: "after 5s -> Ringing" }), {
    code: "FSM106",
    severity: "error",
    at: "after",
    occurrence: 1,
    mentions: ["final state 'Ended'", "'after' clause"],
  });
});

test("FSM106: `exit` actions in a final state are reported at the `exit` keyword", () => {
  assertReports(spec({ endedBody: "exit hangUpLine" }), {
    code: "FSM106",
    severity: "error",
    at: "exit",
    mentions: ["final state 'Ended'", "'exit'"],
  });
});

test("FSM106: `entry` actions in a final state are fine", () => {
  assertNoReport(spec({ endedBody: "entry logEnd" }), "FSM106");
});

test("FSM107: a machine without a final state is reported at the machine name", () => {
  assertReports(spec({ ended: "state" }), { code: "FSM107", severity: "error", at: "Call", mentions: ["no final state", "'Call'"] });
});

test("FSM109: a state that is initial and final is reported at its `final` keyword", () => {
  const text = spec({ ringing: "state", ended: "initial final state" });
  assertReports(text, { code: "FSM109", severity: "error", at: "final", mentions: ["'Ended'", "initial and final"] });
});

test("FSM109: an initial state that is not final is fine", () => {
  assertNoReport(spec({ ringing: "state", ended: "final state", talking: "initial state" }), "FSM109");
});

test.run();
