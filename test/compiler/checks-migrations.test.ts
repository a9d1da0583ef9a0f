// Specification of the migration checks: blocks as written (FSM701–FSM704) and against the older version given with --previous (FSM705, FSM706).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import type { Diagnostic, SourceFile } from "../../grammar/ast.js";
import { assertClean, assertDiagnostic, assertNoReport, assertReports, specPath, type Expected } from "../support/checked-spec.js";

function spec({ version = "version 3", from = "2", old = "Idle", target = "Waiting", second = "Dialing", extra = "" } = {}): string {
  return `machine Call {
  ${version}
  migrate from ${from} {
    ${old} -> ${target}
    ${second} -> Ringing
  }${extra}
  event Answer
  deadline 1h -> Ended
  initial state Waiting { on Answer -> Ringing }
  state Ringing { after 30s -> Ended }
  final state Ended
}
`;
}

test("the clean machine the migration specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM701: a block from the machine's own version is reported at the version number", () => {
  assertReports(spec({ from: "3" }), {
    code: "FSM701",
    severity: "error",
    at: "3",
    occurrence: 1,
    mentions: ["'migrate from 3'", "older", "is version 3"],
  });
});

test("FSM701: a block from a later version is reported", () => {
  assertReports(spec({ from: "4" }), { code: "FSM701", severity: "error", at: "4", mentions: ["'migrate from 4'"] });
});

test("FSM701: a machine without 'version' is version 1, so no block can migrate to it", () => {
  assertReports(spec({ version: "", from: "1" }), {
    code: "FSM701",
    severity: "error",
    at: "1",
    mentions: ["has no 'version'", "version 1"],
  });
});

test("FSM701: a block from any lower version is fine", () => {
  assertNoReport(spec({ from: "1" }), "FSM701");
});

test("FSM702: a second block from the same version is reported at its version, citing the first block", () => {
  assertReports(spec({ extra: "\n  migrate from 2 {}" }), {
    code: "FSM702",
    severity: "error",
    at: "2",
    occurrence: 1,
    mentions: ["already has 'migrate from 2'", "(at 3:3)", "merge"],
  });
});

test("FSM702: blocks from different versions are fine", () => {
  assertClean(spec({ extra: "\n  migrate from 1 {}" }));
});

test("FSM703: a target that is not a state is reported at the target, suggesting the near miss", () => {
  assertReports(spec({ target: "Wating" }), {
    code: "FSM703",
    severity: "error",
    at: "Wating",
    mentions: ["'migrate from 2'", "'Idle'", "undeclared state 'Wating'", "did you mean 'Waiting'?"],
  });
});

test("FSM703: a target unlike any state gets no suggestion but says how to fix it", () => {
  const found = assertReports(spec({ target: "Voicemail" }), { code: "FSM703", severity: "error", at: "Voicemail", mentions: ["declare the state"] });
  assert.not.ok(found.message.includes("did you mean"), found.message);
});

test("FSM703: an old state's name is not judged without the older version: only targets are states of this machine", () => {
  assertNoReport(spec({ old: "Voicemail" }), "FSM703");
});

test("FSM704: an old state mapped twice in a block is reported at its second mapping", () => {
  assertReports(spec({ second: "Idle" }), {
    code: "FSM704",
    severity: "error",
    at: "Idle",
    occurrence: 1,
    mentions: ["'Idle' is mapped twice in 'migrate from 2'", "(first at 4:5)"],
  });
});

test("FSM704: two old states may move to one state, and one old state may appear in two blocks", () => {
  assertClean(spec({ second: "Dialing", target: "Ringing" }));
  assertClean(spec({ extra: "\n  migrate from 1 { Idle -> Waiting }" }));
});

test("FSM113: 'migrate' is a keyword and cannot name a state", () => {
  assertReports(spec({ second: "Dialing", target: "migrate" }).replace("state Ringing", "state migrate").replace("-> Ringing", "-> migrate"), {
    code: "FSM113",
    severity: "error",
    at: "migrate",
    occurrence: 3,
    mentions: ["keyword"],
  });
});

// Against the older version: the machine's version 1, as deployed.
const previousPath = "deployed/call.fsm";
const versionOne = `machine Call {
  version 1
  event Answer
  event Hangup
  on Hangup -> HungUp
  initial state Idle { after 10s -> Ringing }
  state Ringing { on Answer -> Talking }
  state Talking { after 1h -> Ended }
  final state Ended
  final state HungUp
}
`;

function versionTwo({ mappings = "Idle -> Waiting\n    Talking -> Connected", from = "1" } = {}): string {
  return `machine Call {
  version 2
  migrate from ${from} {
    ${mappings}
  }
  event Answer
  deadline 1h -> Ended
  initial state Waiting { after 10s -> Ringing }
  state Ringing { on Answer -> Connected }
  state Connected { after 1h -> Ended }
  final state Ended
}
`;
}

function checkAgainst(text: string, previous: SourceFile[] = [{ path: previousPath, text: versionOne }]): Diagnostic[] {
  return check([{ path: specPath, text }], { previous });
}

function assertReportsAgainst(text: string, expected: Expected, previous?: SourceFile[]): Diagnostic {
  const found = checkAgainst(text, previous).filter((d) => d.code === expected.code);
  assert.is(found.length, 1, `expected one ${expected.code}, got: ${JSON.stringify(checkAgainst(text, previous).map((d) => d.message))}`);
  assertDiagnostic(text, found[0]!, expected);
  return found[0]!;
}

test("with --previous, the clean version 2 the specs start from has no diagnostics", () => {
  assert.equal(checkAgainst(versionTwo()), []);
});

test("FSM705: an old state the older version does not have is reported at its name, suggesting the near miss", () => {
  assertReportsAgainst(versionTwo({ mappings: "Idle -> Waiting\n    Talkin -> Connected" }), {
    code: "FSM705",
    severity: "error",
    at: "Talkin",
    mentions: ["'Talkin'", "not a state of version 1 of 'Call'", previousPath, "did you mean 'Talking'?"],
  });
});

test("FSM705: without --previous the same block is not judged", () => {
  assertNoReport(versionTwo({ mappings: "Idle -> Waiting\n    Talkin -> Connected" }), "FSM705");
});

test("FSM706: an old state this version lacks and the block leaves out is a warning at the block's version", () => {
  assertReportsAgainst(versionTwo({ mappings: "Idle -> Waiting" }), {
    code: "FSM706",
    severity: "warning",
    at: "1",
    mentions: ["'Talking' of version 1", `${previousPath}:8:9`, "finish on version 1", "'Talking -> State'"],
  });
});

test("FSM706: an old state of the same name as a new one needs no mapping, nor does a final one", () => {
  // Ringing is in both versions; HungUp (final) is gone, but flows in it have ended.
  const found = checkAgainst(versionTwo()).filter((d) => d.code === "FSM706");
  assert.equal(found, []);
});

test("FSM706: each unmapped old state is reported once", () => {
  const found = checkAgainst(versionTwo({ mappings: "" })).filter((d) => d.code === "FSM706");
  assert.equal(
    found.map((d) => /state '(\w+)'/.exec(d.message)?.[1]),
    ["Idle", "Talking"],
  );
});

test("a block is compared with the --previous machine of its name and version only", () => {
  const versionTwoBefore = versionOne.replace("version 1", "version 2");
  assert.equal(checkAgainst(versionTwo({ mappings: "Nowhere -> Waiting" }), [{ path: previousPath, text: versionTwoBefore }]), []);
  assert.equal(
    checkAgainst(versionTwo({ mappings: "Nowhere -> Waiting" }), [{ path: previousPath, text: versionOne.replace("machine Call", "machine Other") }]),
    [],
  );
});

test("several older versions are each compared with their own block", () => {
  const versionThree = `machine Call {
  version 3
  migrate from 1 {
    Idle -> Waiting
    Talking -> Connected
  }
  migrate from 2 { Dialing -> Waiting }
  event Answer
  deadline 1h -> Ended
  initial state Waiting { after 10s -> Ringing }
  state Ringing { on Answer -> Connected }
  state Connected { after 1h -> Ended }
  final state Ended
}
`;
  const versionTwoBefore = `machine Call {
  version 2
  event Answer
  initial state Dialing { after 10s -> Ringing }
  state Ringing { on Answer -> Extra }
  state Extra { after 1h -> Ended }
  final state Ended
}
`;
  const found = checkAgainst(versionThree, [
    { path: previousPath, text: versionOne },
    { path: "deployed/call-v2.fsm", text: versionTwoBefore },
  ]);
  assert.equal(
    found.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column}`),
    ["FSM706 7:16"],
  );
  assert.ok(found[0]!.message.includes("'Extra' of version 2 (deployed/call-v2.fsm:6:9)"), found[0]!.message);
});

test("the older spec's errors are reported under its path, its warnings are not", () => {
  const broken = versionOne.replace("on Answer -> Talking", "on Answer -> Talkng").replace("event Hangup", "event Hangup\n  event Unused");
  const found = checkAgainst(versionTwo(), [{ path: previousPath, text: broken }]);
  assert.equal(
    found.map((d) => `${d.file} ${d.code}`),
    [`${previousPath} FSM102`],
  );
});

test("an older spec with a syntax error is reported, and no block is compared with it", () => {
  const broken = versionOne.replace("state Talking {", "state Talking { on {");
  const found = checkAgainst(versionTwo({ mappings: "Nowhere -> Waiting" }), [{ path: previousPath, text: broken }]);
  assert.ok(found.length > 0);
  assert.ok(
    found.every((d) => d.file === previousPath && d.code === "FSM001"),
    JSON.stringify(found.map((d) => d.message)),
  );
});

test.run();
