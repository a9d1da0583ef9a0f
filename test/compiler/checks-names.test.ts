// Specification of the name checks: duplicate declarations (FSM101), reserved names (FSM113) and Object.prototype members as names (FSM114).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import { objectPrototypeMembers } from "../../compiler/checks/reserved-words.js";
import { compile } from "../../compiler/compile.js";
import { assertClean, assertDiagnostic, assertNoReport, assertReports } from "../support/checked-spec.js";

/** A clean machine; each spec below changes one thing in it. */
function spec({ members = "", states = "", context = "caller: string", answered = "event Answered" } = {}): string {
  return `machine Call {
  context { ${context} }
  ${answered}
  event Hangup { cause: string? }
  deadline 1h -> Ended
  ${members}
  initial state Ringing {
    on Answered [isAllowed] -> Talking / greet
    on Answered [else] -> Ended
    after 30s -> Ended
  }
  state Talking {
    on Hangup -> Ended
  }
  ${states}
  final state Ended
}
`;
}

test("the clean machine the name specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM101: a state declared twice is reported at the second name, citing the first", () => {
  const text = spec({ states: "state Talking { on Hangup -> Ended }" });
  assertReports(text, { code: "FSM101", severity: "error", at: "Talking", occurrence: 2, mentions: ["state 'Talking'", "12:9", "rename"] });
});

test("FSM101: a state may share an event's name (separate namespaces)", () => {
  const text = spec({ states: "state Answered { on Hangup -> Ended }" }).replace("after 30s -> Ended", "after 30s -> Answered");
  assertNoReport(text, "FSM101");
});

test("FSM101: an event declared twice is reported at the second name", () => {
  const text = spec({ members: "event Answered" });
  assertReports(text, { code: "FSM101", severity: "error", at: "Answered", occurrence: 1, mentions: ["event 'Answered'", "3:9"] });
});

test("FSM101: a context field declared twice is reported at the second name", () => {
  const text = spec({ context: "caller: string, attempts: int = 0, caller: string" });
  assertReports(text, { code: "FSM101", severity: "error", at: "caller", occurrence: 1, mentions: ["context field 'caller'"] });
});

test("FSM101: context fields with different names are fine", () => {
  assertNoReport(spec({ context: "caller: string, attempts: int = 0, callee: string" }), "FSM101");
});

test("FSM101: an event field declared twice is reported at the second name, naming the event", () => {
  const text = spec({ answered: "event Answered { line: int, line: string }" });
  assertReports(text, { code: "FSM101", severity: "error", at: "line", occurrence: 1, mentions: ["field 'line'", "event 'Answered'"] });
});

test("FSM101: two events may have fields of the same name", () => {
  assertNoReport(spec({ answered: "event Answered { cause: string }" }), "FSM101");
});

test("FSM101: a second deadline is a duplicate deadline, reported at its keyword", () => {
  const text = spec({ members: "deadline 2h -> Ended" });
  assertReports(text, { code: "FSM101", severity: "error", at: "deadline", occurrence: 1, mentions: ["duplicate deadline", "5:3"] });
});

test("FSM101: a machine name declared in two files is reported in the second file", () => {
  const first = { path: "a/call.fsm", text: spec() };
  const second = { path: "b/call.fsm", text: spec() };
  const found = check([first, second]).filter((d) => d.code === "FSM101");
  assert.is(found.length, 1);
  assert.is(found[0]!.file, "b/call.fsm");
  assertDiagnostic(second.text, found[0]!, { code: "FSM101", severity: "error", at: "Call", mentions: ["machine 'Call'", "a/call.fsm:1:9"] });
});

test("FSM101: machines with different names in two files are fine", () => {
  const found = check([
    { path: "a.fsm", text: spec() },
    { path: "b.fsm", text: spec().replace("machine Call", "machine Conference") },
  ]);
  assert.equal(
    found.map((d) => d.code),
    [],
  );
});

test("FSM101: a name used both as a guard and as an action is reported once, at its first use in the second role", () => {
  const text = spec().replace("on Hangup -> Ended", "on Hangup [greet] -> Ended\n    after 1h [greet] -> Ended");
  assertReports(text, { code: "FSM101", severity: "error", at: "greet", occurrence: 1, mentions: ["'greet'", "guard", "action at 8:42", "one namespace"] });
});

test("FSM101: a name used several times in one role is fine", () => {
  const text = spec().replace("on Hangup -> Ended", "on Hangup [isAllowed] -> Ended / greet");
  assertNoReport(text, "FSM101");
});

test("FSM113: a state named with a TypeScript reserved word is reported at the name", () => {
  const text = spec({ states: "state delete { on Hangup -> Ended }" }).replace("after 30s -> Ended", "after 30s -> delete");
  assertReports(text, { code: "FSM113", severity: "error", at: "delete", occurrence: 1, mentions: ["state name 'delete'", "TypeScript"] });
});

test("FSM113: the same word with another case is not reserved", () => {
  const text = spec({ states: "state Delete { on Hangup -> Ended }" }).replace("after 30s -> Ended", "after 30s -> Delete");
  assertClean(text);
});

test("FSM113: a machine named with a DSL keyword is reported", () => {
  const text = spec().replace("machine Call", "machine state");
  assertReports(text, { code: "FSM113", severity: "error", at: "state", mentions: ["machine name 'state'", ".fsm language"] });
});

test("FSM113: an event named with a global that generated code cannot shadow is reported", () => {
  const text = spec({ answered: "event undefined" }).replace("on Answered", "on undefined");
  assertReports(text, { code: "FSM113", severity: "error", at: "undefined", mentions: ["event name 'undefined'"] });
});

test("FSM113: a context field named with a reserved word is reported", () => {
  assertReports(spec({ context: "caller: string, new: int = 0" }), { code: "FSM113", severity: "error", at: "new", mentions: ["context field name 'new'"] });
});

test("FSM113: a guard named with a reserved word is reported", () => {
  const text = spec().replace("[isAllowed]", "[!this]");
  assertReports(text, { code: "FSM113", severity: "error", at: "this", mentions: ["guard name 'this'"] });
});

test("FSM113: an action named with a reserved word is reported", () => {
  const text = spec().replace("/ greet", "/ greet, void");
  assertReports(text, { code: "FSM113", severity: "error", at: "void", mentions: ["action name 'void'"] });
});

test("FSM113: an event field named `type` is reported", () => {
  assertReports(spec({ answered: "event Answered { type: string }" }), {
    code: "FSM113",
    severity: "error",
    at: "type",
    mentions: ["event field 'type'", "event 'Answered'"],
  });
});

test("FSM113: a context field named `type` is allowed", () => {
  assertNoReport(spec({ context: 'caller: string, type: string = "inbound"' }), "FSM113");
});

const inherited = "a member of Object.prototype";

test("FSM114: a context field named like an Object.prototype member is reported at the name, saying why", () => {
  assertReports(spec({ context: "caller: string, constructor: string?" }), {
    code: "FSM114",
    severity: "error",
    at: "constructor",
    mentions: ["context field name 'constructor'", inherited, "every JavaScript object", "inherited member", "runtime's tables"],
  });
});

test("FSM114: an event named like an Object.prototype member is reported at its declaration", () => {
  const text = spec({ answered: "event toString" }).replace("on Answered", "on toString");
  assertReports(text, { code: "FSM114", severity: "error", at: "toString", occurrence: 0, mentions: ["event name 'toString'", inherited] });
});

test("FSM114: an event field named like an Object.prototype member is reported", () => {
  assertReports(spec({ answered: "event Answered { valueOf: int }" }), {
    code: "FSM114",
    severity: "error",
    at: "valueOf",
    mentions: ["event field name 'valueOf'"],
  });
});

test("FSM114: a state named like an Object.prototype member is reported at its declaration", () => {
  const text = spec({ states: "state hasOwnProperty { on Hangup -> Ended }" }).replace("after 30s -> Ended", "after 30s -> hasOwnProperty");
  assertReports(text, { code: "FSM114", severity: "error", at: "hasOwnProperty", occurrence: 1, mentions: ["state name 'hasOwnProperty'"] });
});

test("FSM114: a guard named like an Object.prototype member is reported at its use", () => {
  const text = spec().replace("[isAllowed]", "[isPrototypeOf]");
  assertReports(text, { code: "FSM114", severity: "error", at: "isPrototypeOf", mentions: ["guard name 'isPrototypeOf'"] });
});

test("FSM114: an action named like an Object.prototype member is reported at its use", () => {
  const text = spec().replace("/ greet", "/ greet, __proto__");
  assertReports(text, { code: "FSM114", severity: "error", at: "__proto__", mentions: ["action name '__proto__'"] });
});

test("FSM114: a machine named like an Object.prototype member is reported at its name", () => {
  const text = spec().replace("machine Call", "machine propertyIsEnumerable");
  assertReports(text, { code: "FSM114", severity: "error", at: "propertyIsEnumerable", mentions: ["machine name 'propertyIsEnumerable'"] });
});

test("FSM114: every member of Object.prototype is refused, as a state name", () => {
  for (const member of objectPrototypeMembers) {
    const text = spec({ states: `state ${member} { on Hangup -> Ended }` }).replace("after 30s -> Ended", `after 30s -> ${member}`);
    assertReports(text, { code: "FSM114", severity: "error", at: member, occurrence: 1, mentions: [`state name '${member}'`] });
  }
});

test("FSM114: the list is exactly the members of Object.prototype in this engine", () => {
  assert.equal([...objectPrototypeMembers].sort(), Object.getOwnPropertyNames(Object.prototype).sort());
});

/** Names that contain or resemble Object.prototype members without being one. */
const nearMisses = spec({ context: "caller: string, constructorName: string?, valueOfCall: int = 0", answered: "event Answered { toStringForm: string? }" })
  .replace("machine Call", "machine Constructor")
  .replace(/Talking/g, "ToString")
  .replace("[isAllowed]", "[isPrototypeOfCaller]")
  .replace("/ greet", "/ greet, proto");

test("FSM114: names that only resemble Object.prototype members are clean and compile", () => {
  assertClean(nearMisses);
  const { files, diagnostics } = compile([{ path: "specs/constructor.fsm", text: nearMisses }]);
  assert.equal(diagnostics, []);
  assert.equal(
    files.map((f) => f.path),
    ["constructor.ts", "index.ts"],
  );
  assert.match(files[0]!.text, /constructorName\?: string;/);
  assert.match(files[0]!.text, /ToString: \{/);
});

test.run();
