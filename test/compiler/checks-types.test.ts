// Specification of the type check: a field's default must have the field's type (FSM108).
import { test } from "uvu";

import { assertClean, assertNoReport, assertReports } from "../support/checked-spec.js";

function spec(field: string): string {
  return `machine Call {
  context {
    caller: string
    ${field}
  }
  event Hangup { cause: string? }
  deadline 1h -> Ended
  initial state Ringing {
    on Hangup -> Ended
  }
  final state Ended
}
`;
}

test("the clean machine the type specs start from has no diagnostics", () => {
  assertClean(spec(`digits: string = ""`));
});

test("FSM108: a number default for a string field is reported at the default", () => {
  assertReports(spec(`digits: string = 0`), { code: "FSM108", severity: "error", at: "0", mentions: ["'digits'", "string", "expected a string"] });
});

test("FSM108: an int field rejects a fractional default", () => {
  assertReports(spec(`attempts: int = 1.5`), { code: "FSM108", severity: "error", at: "1.5", mentions: ["'attempts'", "int", "1.5"] });
});

test("FSM108: an int field accepts a whole number", () => {
  assertNoReport(spec(`attempts: int = 3`), "FSM108");
});

test("FSM108: a number field accepts a fractional default", () => {
  assertNoReport(spec(`rate: number = 1.5`), "FSM108");
});

test("FSM108: a boolean field rejects a string default", () => {
  assertReports(spec(`recorded: boolean = "no"`), { code: "FSM108", severity: "error", at: `"no"`, mentions: ["'recorded'", "boolean"] });
});

test("FSM108: a string-literal union rejects a default outside the union, listing the allowed values", () => {
  assertReports(spec(`mode: "queue" | "direct" = "callback"`), {
    code: "FSM108",
    severity: "error",
    at: `"callback"`,
    mentions: ["'mode'", `"queue", "direct"`],
  });
});

test("FSM108: a string-literal union accepts one of its values", () => {
  assertNoReport(spec(`mode: "queue" | "direct" = "direct"`), "FSM108");
});

test("FSM108: an array default is checked element-wise, at the offending element", () => {
  assertReports(spec(`retries: int[] = [1, 2, 2.5]`), { code: "FSM108", severity: "error", at: "2.5", mentions: ["'retries'", "int[]"] });
});

test("FSM108: an array of the base type is accepted, and so is an empty array", () => {
  assertNoReport(spec(`retries: int[] = [1, 2, 3]\n    tags: string[] = []`), "FSM108");
});

test("FSM108: a scalar default for an array field is reported", () => {
  assertReports(spec(`tags: string[] = "vip"`), { code: "FSM108", severity: "error", at: `"vip"`, mentions: ["'tags'", "expected an array"] });
});

test("FSM108: an array default for a scalar field is reported", () => {
  assertReports(spec(`agent: string = ["a"]`), { code: "FSM108", severity: "error", at: `["a"]`, mentions: ["'agent'", "expected a string"] });
});

test("FSM108: an optional field accepts a default of its base type", () => {
  assertNoReport(spec(`agent: string? = "nobody"`), "FSM108");
});

test("FSM108: an optional field still rejects a default of another type", () => {
  assertReports(spec(`agent: string? = 7`), { code: "FSM108", severity: "error", at: "7", mentions: ["'agent'", "string?"] });
});

test.run();
