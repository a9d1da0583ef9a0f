// Specification of `analyze` and `check`: every source parsed, every check family run over all machines, results sorted.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { analyze, check } from "../../compiler/check.js";

const example = readFileSync(new URL("../fixtures/checks/dsl-example.fsm", import.meta.url), "utf8");

test("the complete example of the language reference has no diagnostics", () => {
  const { files, diagnostics } = analyze([{ path: "inbound-call.fsm", text: example }]);
  assert.equal(diagnostics, []);
  assert.equal(
    files.map((f) => f.machines.map((m) => m.name.text)),
    [["InboundCall"]],
  );
});

test("diagnostics of several files come sorted by file, then position", () => {
  const broken = "machine B {\n  event Unused\n  initial state S { on Missing -> S }\n}\n";
  const found = check([
    { path: "b.fsm", text: broken },
    { path: "a.fsm", text: broken.replace("machine B", "machine A") },
  ]);
  const keys = found.map((d) => `${d.file}:${String(d.range.start.offset).padStart(4, "0")}`);
  assert.ok(found.length >= 4, JSON.stringify(found.map((d) => d.code)));
  assert.equal(keys, [...keys].sort());
  assert.is(found[0]!.file, "a.fsm");
});

test("check returns exactly the diagnostics analyze reports", () => {
  const sources = [{ path: "x.fsm", text: example.replace("event Answered", "event Answered\n  event Unused") }];
  assert.equal(check(sources), analyze(sources).diagnostics);
  assert.ok(check(sources).length > 0);
});

test("a machine with a syntax error gets the checks of what is written, not of what recovery may have dropped", () => {
  const text = `machine Call {
  event Answered
  event Unused
  initial state Ringing {
    on Answered -> Ended
    on Answered -> Missing
    after 30s -> Ended / ,
  }
  final state Ended
}
`;
  const codes = check([{ path: "call.fsm", text }]).map((d) => d.code);
  assert.ok(codes.includes("FSM001"), codes.join());
  assert.ok(codes.includes("FSM301"), codes.join());
  assert.equal(
    codes.filter((c) => ["FSM102", "FSM107", "FSM203", "FSM401"].includes(c)),
    [],
  );
});

test("the same machine without the syntax error does get its usage warning", () => {
  const text = `machine Call {
  event Answered
  event Unused
  deadline 1h -> Ended
  initial state Ringing {
    on Answered -> Ended
  }
  final state Ended
}
`;
  assert.equal(
    check([{ path: "call.fsm", text }]).map((d) => d.code),
    ["FSM401"],
  );
});

test("an empty source has no diagnostics and no machines", () => {
  const { files, diagnostics } = analyze([{ path: "empty.fsm", text: "" }]);
  assert.equal(diagnostics, []);
  assert.equal(files[0]!.machines, []);
});

test.run();
