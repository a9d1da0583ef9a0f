// Specification of the diff's event payload rules: an event as the old version's senders send it refused every time (FSM606) or for some values (FSM607).
import { test } from "uvu";

import { assertDiff, assertNoReports, baseSpec, version } from "../support/diffed-specs.js";

test("FSM606: a field added as required is an error at the new field", () => {
  const next = version(2, ["event Hangup { cause: string }", "event Hangup { cause: string, sipCode: int }"]);
  assertDiff(baseSpec, next, {
    code: "FSM606",
    severity: "error",
    in: "new",
    at: "sipCode",
    mentions: ["event 'Hangup' requires a new field 'sipCode' in version 2", "senders of version 1", "refused"],
  });
});

test("FSM606: an optional field made required is an error at the field", () => {
  const next = version(2, ["detail: string? }", "detail: string }"]);
  assertDiff(baseSpec, next, {
    code: "FSM606",
    severity: "error",
    in: "new",
    at: "detail",
    mentions: ["field 'detail' of event 'Declined' is required in version 2 but was optional in version 1"],
  });
});

test("FSM606: a required field removed, which every old event carries, is an error at the field in the old spec", () => {
  const next = version(2, ["event Transfer { to: string, count: number }", "event Transfer { to: string }"]);
  assertDiff(baseSpec, next, {
    code: "FSM606",
    severity: "error",
    in: "old",
    at: "count",
    mentions: ["field 'count' of event 'Transfer' is gone in version 2", "refuses unknown fields", "every 'Transfer'"],
  });
});

test("FSM607: a field's type narrowed (number to int) is a warning at the new type", () => {
  const next = version(2, ["count: number }", "count: int }"]);
  assertDiff(baseSpec, next, {
    code: "FSM607",
    severity: "warning",
    in: "new",
    at: "int",
    occurrence: 1,
    mentions: ["field 'count' of event 'Transfer' changed type from number to int"],
  });
});

test("FSM607: a field's type changed (string to string[]) is a warning at the new type", () => {
  const next = version(2, ["{ to: string,", "{ to: string[],"]);
  assertDiff(baseSpec, next, { code: "FSM607", severity: "warning", in: "new", at: "string[]", mentions: ["changed type from string to string[]"] });
});

test("FSM607: an enum value removed is a warning at the new type, naming the value", () => {
  const next = version(2, ['reason: "busy" | "rejected"', 'reason: "busy" | "declined"']);
  assertDiff(baseSpec, next, {
    code: "FSM607",
    severity: "warning",
    in: "new",
    at: '"busy" | "declined"',
    mentions: ['no longer accepts "rejected"', "event 'Declined'"],
  });
});

test("FSM607: an optional field removed while unknown fields are refused is a warning at the field in the old spec", () => {
  const next = version(2, [", detail: string? }", " }"]);
  assertDiff(baseSpec, next, {
    code: "FSM607",
    severity: "warning",
    in: "old",
    at: "detail",
    mentions: ["field 'detail' of event 'Declined' is gone in version 2", "sent with it"],
  });
});

test("widening a payload reports nothing: int to number, an enum value added, a field made optional, a new optional field", () => {
  const old = version(1, ["count: number }", "count: int }"]);
  const next = version(
    2,
    ['reason: "busy" | "rejected"', 'reason: "busy" | "rejected" | "no-answer"'],
    ["event Hangup { cause: string }", "event Hangup { cause: string?, sipCode: int? }"],
  );
  assertNoReports(old, next);
});

test("an enum widened to any string reports nothing", () => {
  assertNoReports(baseSpec, version(2, ['reason: "busy" | "rejected"', "reason: string"]));
});

test.run();
