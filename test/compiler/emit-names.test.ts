// Names in generated code: module file names, timer ids, and names the emitter refuses rather than mangles.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { compile, emitErrorCode } from "../../compiler/compile.js";
import { normaliseDuration } from "../../compiler/emit/duration.js";
import { kebabCase } from "../../compiler/module-names.js";

const machine = (name: string, events = "") => `machine ${name} {\n${events}  initial state A { after 1s -> B }\n  final state B\n}\n`;

test("module file names are the kebab-case of machine names", () => {
  assert.equal(["InboundCall", "IVRMenu", "Call_V2", "outbound", "ConferenceBridge2"].map(kebabCase), [
    "inbound-call",
    "ivr-menu",
    "call-v2",
    "outbound",
    "conference-bridge2",
  ]);
});

test("a run of capitals splits before its last capital when a lower-case letter follows, in time linear in the name", () => {
  assert.equal(["ABCdEf", "HTTPServerURL", "A_BCd", "XMLHttpRequest2Go"].map(kebabCase), ["ab-cd-ef", "http-server-url", "a-b-cd", "xml-http-request2-go"]);
  // A regex that backtracks over the run took about a minute here: `fsmc check` of such a name outlived any time limit.
  const started = performance.now();
  assert.is(kebabCase(`${"M".repeat(200_000)}x`), `${"m".repeat(199_999)}-mx`);
  assert.ok(performance.now() - started < 5_000, "kebab-case of a 200,000-letter name took over 5 s");
});

test("durations are normalised largest unit first for timer ids", () => {
  assert.equal([90_000, 250, 7_200_000, 86_400_000 + 1_500].map(normaliseDuration), ["1m30s", "250ms", "2h", "1d1s500ms"]);
});

test("a module per machine, each named after its machine, plus an index re-exporting them all", () => {
  const { files, diagnostics } = compile([{ path: "two.fsm", text: machine("FirstFlow") + machine("SecondFlow") }]);
  assert.equal(
    diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.equal(
    files.map((f) => f.path),
    ["first-flow.ts", "second-flow.ts", "index.ts"],
  );
  assert.match(files[2]?.text ?? "", /export \* from "\.\/first-flow\.js";\nexport \* from "\.\/second-flow\.js";/);
});

test("two machines whose names map to one file name are an error at the second machine, and nothing is emitted", () => {
  const { files, diagnostics } = compile([{ path: "clash.fsm", text: machine("CallFlow") + machine("Call_Flow") }]);
  assert.equal(files, []);
  const error = diagnostics.find((d) => d.code === emitErrorCode);
  assert.ok(error, "an emit error is reported");
  assert.match(error.message, /machine 'Call_Flow' would be written to call-flow\.ts, the module of machine 'CallFlow'/);
  assert.is(error.range.start.line, 5);
});

test("a generated name that two machines would both export is an error, not a silently ambiguous index", () => {
  // Machine `Call` with event `X` exports CallXEvent, which is also machine `CallX`'s event union.
  const { files, diagnostics } = compile([{ path: "exports.fsm", text: machine("Call", "  event X\n  on X -> B\n") + machine("CallX") }]);
  assert.equal(files, []);
  assert.match(
    diagnostics.find((d) => d.code === emitErrorCode)?.message ?? "",
    /machine 'CallX' would export CallXEvent, its event union, which machine 'Call' already exports/,
  );
});

test("a generated name that would shadow an imported runtime type is an error", () => {
  const { files, diagnostics } = compile([{ path: "shadow.fsm", text: machine("Tim", "  event er\n  on er -> B\n") }]);
  assert.equal(files, []);
  assert.match(
    diagnostics.find((d) => d.code === emitErrorCode)?.message ?? "",
    /would declare TimerEvent, the interface of its event 'er', which is also the runtime type/,
  );
});

test.run();
