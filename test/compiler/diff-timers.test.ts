// Specification of the diff's timer rules: a state's timer removed or re-timed (FSM608), the deadline removed or changed (FSM609).
import { test } from "uvu";

import { assertDiff, assertNoReports, baseSpec, edit, version } from "../support/diffed-specs.js";

test("FSM608: a timer removed is a warning at its duration in the old spec, naming its id", () => {
  const next = version(2, ["    after 1m -> Ended\n", ""]);
  assertDiff(baseSpec, next, {
    code: "FSM608",
    severity: "warning",
    in: "old",
    at: "1m",
    mentions: ["timer Transferring/1m of version 1 is gone in version 2", "already in 'Transferring'"],
  });
});

test("FSM608: a timer's duration changed is a warning at the new duration", () => {
  const next = version(2, ["after 30s -> Ended / cancelRing", "after 45s -> Ended / cancelRing"]);
  assertDiff(baseSpec, next, {
    code: "FSM608",
    severity: "warning",
    in: "new",
    at: "45s",
    mentions: ["the timer of state 'Ringing' changed from 30s to 45s in version 2", "Ringing/30s"],
  });
});

test("FSM608: one of a state's two timers re-timed is reported as that timer's change", () => {
  const next = version(2, ["after 1m -> Ended", "after 2m -> Ended"]);
  assertDiff(baseSpec, next, { code: "FSM608", severity: "warning", in: "new", at: "2m", mentions: ["changed from 1m to 2m"] });
});

test("a timer re-timed in a state whose flows a `migrate from` block moves reports nothing: they arm the new timer", () => {
  const next = version(2, ["  version 2\n", "  version 2\n  migrate from 1 {}\n"], ["after 30s -> Ended / cancelRing", "after 45s -> Ended / cancelRing"]);
  assertNoReports(baseSpec, next);
});

test("a duration written another way (60s for 1m) is the same timer", () => {
  assertNoReports(baseSpec, version(2, ["after 1m -> Ended", "after 60s -> Ended"]));
});

test("a timer added to a state reports nothing", () => {
  assertNoReports(baseSpec, version(2, ["after 1h -> Ended", "after 1h -> Ended\n    after 2h -> TimedOut"]));
});

/** The base spec with a deadline that has no action, and `TimedOut` reachable without it, so the deadline can go alone. */
const optionalDeadline = edit(baseSpec, ["deadline 10m -> TimedOut / logTimeout", "deadline 10m -> TimedOut"], ["after 1h -> Ended", "after 1h -> TimedOut"]);

test("FSM609: the deadline removed is a warning at its duration in the old spec", () => {
  const next = edit(optionalDeadline, ["version 1", "version 2"], ["  deadline 10m -> TimedOut\n", ""]);
  assertDiff(optionalDeadline, next, {
    code: "FSM609",
    severity: "warning",
    in: "old",
    at: "10m",
    mentions: ["the deadline (10m -> TimedOut) of version 1 is gone in version 2", "still have it armed"],
  });
});

test("FSM609: the deadline's duration changed is a warning at the new duration", () => {
  const next = version(2, ["deadline 10m", "deadline 15m"]);
  assertDiff(baseSpec, next, {
    code: "FSM609",
    severity: "warning",
    in: "new",
    at: "15m",
    mentions: ["the deadline changed from 10m -> TimedOut to 15m -> TimedOut", "flows of version 1 keep 10m -> TimedOut"],
  });
});

test("FSM609: the deadline's target changed is a warning at the new target", () => {
  const next = edit(optionalDeadline, ["version 1", "version 2"], ["deadline 10m -> TimedOut", "deadline 10m -> Ended"]);
  assertDiff(optionalDeadline, next, { code: "FSM609", severity: "warning", in: "new", at: "Ended", mentions: ["from 10m -> TimedOut to 10m -> Ended"] });
});

test("a deadline added reports nothing", () => {
  const next = edit(optionalDeadline, ["version 1", "version 2"], ["  deadline 10m -> TimedOut\n", ""]);
  assertNoReports(next, edit(optionalDeadline, ["version 1", "version 3"]));
});

test.run();
