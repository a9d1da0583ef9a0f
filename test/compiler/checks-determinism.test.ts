// Specification of the determinism checks: clauses never taken (FSM301), misplaced [else] (FSM302), events guards may leave unhandled (FSM303).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertClean, assertNoReport, assertReports, diagnosticsWithCode } from "../support/checked-spec.js";

function spec({
  routing = "on Bridged [isFree] -> Connected\n    on Bridged [else] -> Ended",
  anyOn = "on Hangup -> Ended",
  timers = "after 45s -> Ended",
} = {}): string {
  return `machine Call {
  event Bridged
  event Hangup
  deadline 1h -> Ended
  ${anyOn}
  initial state Routing {
    ${routing}
    ${timers}
  }
  state Connected {
    after 1h -> Ended
  }
  final state Ended
}
`;
}

test("the clean machine the determinism specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM301: a clause after an unguarded clause for the same event is reported at its event name", () => {
  assertReports(spec({ routing: "on Bridged -> Connected\n    on Bridged [isFree] -> Ended" }), {
    code: "FSM301",
    severity: "error",
    at: "Bridged",
    occurrence: 2,
    mentions: ["'on Bridged'", "state 'Routing'", "never be taken", "unguarded", "7:5"],
  });
});

test("FSM301: a clause after an [else] for the same event is reported", () => {
  const found = assertReports(spec({ routing: "on Bridged [isFree] -> Connected\n    on Bridged [else] -> Ended\n    on Bridged -> Connected" }), {
    code: "FSM301",
    severity: "error",
    at: "Bridged",
    occurrence: 3,
    mentions: ["[else]"],
  });
  assert.ok(found.message.includes("8:5"), found.message);
});

test("FSM301: clauses for different events do not compete", () => {
  assertNoReport(spec({ routing: "on Bridged -> Connected\n    on Hangup -> Ended" }), "FSM301");
});

test("FSM301: a second unguarded timer of the same duration is reported at its duration", () => {
  assertReports(spec({ timers: "after 45s -> Ended\n    after 45000ms -> Connected" }), {
    code: "FSM301",
    severity: "error",
    at: "45000ms",
    mentions: ["'after 45000ms'", "never be taken"],
  });
});

test("FSM301: timers of different durations do not compete", () => {
  assertNoReport(spec({ timers: "after 45s -> Ended\n    after 1m -> Connected" }), "FSM301");
});

test("FSM301: machine-level clauses compete among themselves", () => {
  assertReports(spec({ anyOn: "on Hangup -> Ended\n  on Hangup -> Connected" }), {
    code: "FSM301",
    severity: "error",
    at: "Hangup",
    occurrence: 2,
    mentions: ["machine level"],
  });
});

test("FSM302: an [else] that is not the last clause for its event is reported at the else", () => {
  const text = spec({ routing: "on Bridged [isFree] -> Connected\n    on Bridged [else] -> Ended\n    on Bridged [isBusy] -> Connected" });
  assertReports(text, { code: "FSM302", severity: "error", at: "else", mentions: ["last", "'on Bridged'", "9:5"] });
});

test("FSM302: an [else] with no guarded clause before it is reported", () => {
  assertReports(spec({ routing: "on Bridged [else] -> Connected" }), {
    code: "FSM302",
    severity: "error",
    at: "else",
    mentions: ["no guarded", "'on Bridged'"],
  });
});

test("FSM302: an [else] for another event does not count as following the guarded clause", () => {
  const text = spec({ routing: "on Bridged [isFree] -> Connected\n    on Hangup [else] -> Ended\n    on Bridged [else] -> Ended" });
  assert.equal(
    diagnosticsWithCode(text, "FSM302").map((d) => d.message.includes("'on Hangup'")),
    [true],
  );
});

test("FSM303: an event whose every clause in a state is guarded, with no [else], is a warning at the last clause's event", () => {
  assertReports(spec({ routing: "on Bridged [isFree] -> Connected\n    on Bridged [isBusy] -> Ended" }), {
    code: "FSM303",
    severity: "warning",
    at: "Bridged",
    occurrence: 2,
    mentions: ["'on Bridged'", "state 'Routing'", "[else]"],
  });
});

test("FSM303: an unguarded machine-level `on` for the event catches what the guards leave", () => {
  const text = spec({ routing: "on Hangup [isFree] -> Connected", anyOn: "on Hangup -> Ended" });
  assertNoReport(text, "FSM303");
});

test("FSM303: a guarded machine-level `on` does not catch everything", () => {
  const text = spec({ routing: "on Hangup [isFree] -> Connected", anyOn: "on Hangup [isLate] -> Ended" });
  assertReports(text, { code: "FSM303", severity: "warning", at: "Hangup", occurrence: 2, mentions: ["'on Hangup'"] });
});

test.run();
