// Specification of the number checks: a numeric default must be stored as written (FSM110), an int default must be whole as written (FSM108), a duration must fit in milliseconds (FSM105).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { compile } from "../../compiler/compile.js";
import { assertClean, assertNoReport, assertReports, checkText } from "../support/checked-spec.js";

function spec(field: string, { timer = "30s", hangup = "cause: string?" } = {}): string {
  return `machine Call {
  context {
    caller: string
    ${field}
  }
  event Hangup { ${hangup} }
  deadline 1h -> Ended
  initial state Ringing {
    on Hangup -> Ended
    after ${timer} -> Ended
  }
  final state Ended
}
`;
}

const maxSafe = "9007199254740991";

test("the clean machine the number specs start from has no diagnostics", () => {
  assertClean(spec("rate: number = 1.5"));
});

test("FSM110: a number default too large for a double is reported at the literal, saying it would be Infinity", () => {
  assertReports(spec("rate: number = 1e400"), {
    code: "FSM110",
    severity: "error",
    at: "1e400",
    mentions: ["default 1e400", "context field 'rate'", "too large", "stored as Infinity"],
  });
});

test("FSM110: a negative number default too large for a double would be -Infinity", () => {
  assertReports(spec("rate: number = -1e400"), { code: "FSM110", severity: "error", at: "-1e400", mentions: ["stored as -Infinity"] });
});

test("FSM110: the largest double is clean", () => {
  assertClean(spec("rate: number = 1.7976931348623157e308"));
});

test("FSM110: an int default too large for a double is FSM110, not a type mismatch", () => {
  const text = spec("attempts: int = 1e400");
  assertReports(text, { code: "FSM110", severity: "error", at: "1e400", mentions: ["context field 'attempts'", "too large"] });
  assertNoReport(text, "FSM108");
});

test("FSM110: a 400-digit int default is reported over the whole literal", () => {
  const digits = "9".repeat(400);
  assertReports(spec(`attempts: int = ${digits}`), { code: "FSM110", severity: "error", at: digits, mentions: ["too large", "Infinity"] });
});

test("FSM110: an int default past Number.MAX_SAFE_INTEGER is reported with the value it would be stored as", () => {
  assertReports(spec("attempts: int = 9007199254740993"), {
    code: "FSM110",
    severity: "error",
    at: "9007199254740993",
    mentions: ["safe integer range", maxSafe, "stored as 9007199254740992"],
  });
});

test("FSM110: an int default past the safe range is reported even when it happens to be exact", () => {
  const found = assertReports(spec("attempts: int = 1e20"), { code: "FSM110", severity: "error", at: "1e20", mentions: ["safe integer range"] });
  assert.not.match(found.message, /stored as/);
});

test("FSM110: an int default at either end of the safe range is clean", () => {
  assertClean(spec(`attempts: int = ${maxSafe}`));
  assertClean(spec(`attempts: int = -${maxSafe}`));
});

test("FSM110: a number field may hold an integer past the safe range", () => {
  assertNoReport(spec("total: number = 9007199254740993"), "FSM110");
});

test("FSM110: a non-zero number default so small it would be stored as 0 is reported", () => {
  assertReports(spec("rate: number = 1e-400"), { code: "FSM110", severity: "error", at: "1e-400", mentions: ["too small", "stored as 0"] });
});

test("FSM110: zero written any way is clean", () => {
  for (const zero of ["0", "0.0", "-0", "0e-400", "0.000e5"]) assertClean(spec(`rate: number = ${zero}`));
});

test("FSM110: an array default is checked item by item, at the offending item", () => {
  assertReports(spec("limits: int[] = [1, 2, 1e400]"), { code: "FSM110", severity: "error", at: "1e400", mentions: ["default 1e400"] });
});

test("FSM110: an event field default is checked too, naming the event", () => {
  assertReports(spec("rate: number = 1", { hangup: "cause: string?, code: int = 1e400" }), {
    code: "FSM110",
    severity: "error",
    at: "1e400",
    mentions: ["field 'code' of event 'Hangup'"],
  });
});

test("FSM110: a number default for a field of another type is only a type mismatch (FSM108)", () => {
  const text = spec("digits: string = 1e400");
  assertReports(text, { code: "FSM108", severity: "error", at: "1e400" });
  assertNoReport(text, "FSM110");
});

test("FSM108: an int default is judged as written: one that rounds to a whole number is still fractional", () => {
  assertReports(spec("attempts: int = 1.0000000000000001"), { code: "FSM108", severity: "error", at: "1.0000000000000001", mentions: ["fractional part"] });
  assertReports(spec("attempts: int = 1e-400"), { code: "FSM108", severity: "error", at: "1e-400", mentions: ["fractional part"] });
  assertNoReport(spec("attempts: int = 1e-400"), "FSM110");
});

test("FSM108: an int default written with a fraction or exponent that is whole is clean", () => {
  for (const whole of ["1.0", "2.50e1", "1e3", "-4.000"]) assertClean(spec(`attempts: int = ${whole}`));
  assertReports(spec("attempts: int = 250e-2"), { code: "FSM108", severity: "error", at: "250e-2" });
});

test("FSM110: a spec with an unrepresentable default compiles to nothing, instead of failing in the emitter", () => {
  const { files, diagnostics } = compile([{ path: "specs/call.fsm", text: spec("rate: number = 1e400") }]);
  assert.equal(files, []);
  assert.equal(
    diagnostics.map((d) => d.code),
    ["FSM110"],
  );
});

test("FSM105: a duration too long to count in milliseconds is reported at the duration", () => {
  assertReports(spec("rate: number = 1", { timer: "104249992d" }), { code: "FSM105", severity: "error", at: "104249992d", mentions: ["too large"] });
  assertReports(spec("rate: number = 1", { timer: `${"9".repeat(400)}d` }), { code: "FSM105", severity: "error", at: `${"9".repeat(400)}d` });
});

test("FSM105: the longest duration that fits in milliseconds is clean", () => {
  assertClean(spec("rate: number = 1", { timer: "104249991d" }));
});

test("FSM105: a duration in exponent notation is malformed, not an overflow", () => {
  assertReports(spec("rate: number = 1", { timer: "1e400s" }), { code: "FSM105", severity: "error", at: "1e400s", mentions: ["unknown unit 'e'"] });
  assert.equal(
    checkText(spec("rate: number = 1", { timer: "1e400s" })).map((d) => d.code),
    ["FSM105"],
  );
});

test.run();
