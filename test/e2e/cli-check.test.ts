// `fsmc check` run as a subprocess: formats, exit codes, path handling and usage errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import type { JsonReport } from "../../compiler/render/json.js";
import type { SarifLog } from "../../compiler/render/sarif.js";
import { concurrencyLimit, repoRoot, runFsmc, stackFrame, type FsmcRun } from "../support/run-fsmc.js";
import { sarifSchemaErrors } from "../support/sarif-schema.js";
import { rangeOf } from "../support/text-range.js";

const clean = "test/fixtures/baselines/inbound-call.fsm";
const withErrors = "test/fixtures/baselines/names-and-targets.fsm";
const warningsOnly = `machine Waiting {
  event Ping
  event Unused
  initial state Idle { on Ping -> Done }
  final state Done
}
`;

// A scratch project: specs at several depths, plus places a directory search must skip.
const work = mkdtempSync(join(tmpdir(), "fsmc-check-"));
mkdirSync(join(work, "specs/sub"), { recursive: true });
mkdirSync(join(work, "specs/node_modules/dep"), { recursive: true });
mkdirSync(join(work, "specs/.cache"), { recursive: true });
mkdirSync(join(work, "empty"), { recursive: true });
writeFileSync(join(work, "specs/a.fsm"), "machine A {\n  deadline 1h -> Done\n  initial state Start { after 1s -> Done }\n  final state Done\n}\n");
writeFileSync(join(work, "specs/sub/b.fsm"), "machine B {\n  initial state Start { on Go -> Done }\n  final state Done\n}\n");
writeFileSync(join(work, "specs/notes.txt"), "not a spec {");
writeFileSync(join(work, "specs/node_modules/dep/skipped.fsm"), "this is not a spec {");
writeFileSync(join(work, "specs/.cache/skipped.fsm"), "this is not a spec {");
writeFileSync(join(work, "warnings.fsm"), warningsOnly);
writeFileSync(join(work, "spec.txt"), warningsOnly);
writeFileSync(join(work, "latin1.fsm"), Buffer.concat([Buffer.from("machine Caf"), Buffer.from([0xe9]), Buffer.from(" {}\n")]));

test.after(() => rmSync(work, { recursive: true, force: true }));

function assertNoStackTrace(run: FsmcRun): void {
  assert.not.match(run.stdout, stackFrame, "stdout has a stack trace");
  assert.not.match(run.stderr, stackFrame, "stderr has a stack trace");
}

// Each CLI start costs a second or more, so every run is started up front, a few at a time, and each test awaits its own.
const runAtMost = concurrencyLimit(3);

/** Registers a test of `fsmc ...args` run in `cwd`; `expect` asserts on what it printed and its exit code. */
function cliTest(name: string, args: string[], cwd: string, expect: (run: FsmcRun) => void | Promise<void>): void {
  const pending = runAtMost(() => runFsmc(args, cwd));
  test(name, async () => {
    const run = await pending;
    await expect(run);
    assertNoStackTrace(run);
  });
}

cliTest("a clean spec exits 0 and says there are no problems", ["check", clean], repoRoot, (run) => {
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "no problems in 1 file\n");
});

cliTest("errors exit 1 and print path:line:col: error FSMnnn headers, excerpts and a summary", ["check", withErrors], repoRoot, (run) => {
  assert.is(run.code, 1);
  assert.match(run.stdout, /^test\/fixtures\/baselines\/names-and-targets\.fsm:\d+:\d+: error FSM\d{3}: .+\n.*\n *\^~*$/m);
  assert.match(run.stdout, /\d+ errors?(, \d+ warnings?)? in 1 file\n$/);
});

cliTest("warnings alone exit 0", ["check", "warnings.fsm"], work, (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^warnings\.fsm:3:9: warning FSM401: /m);
});

cliTest("--strict turns warnings into exit 1", ["check", "warnings.fsm", "--strict"], work, (run) => {
  assert.is(run.code, 1);
  assert.match(run.stdout, /warning FSM401/);
});

cliTest("--strict on a clean spec still exits 0", ["check", "--strict", clean], repoRoot, (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
});

cliTest("--format json prints one JSON report with code, severity, message, file and range", ["check", "warnings.fsm", "--format", "json"], work, (run) => {
  assert.is(run.code, 0);
  const report = JSON.parse(run.stdout) as JsonReport;
  const unused = report.diagnostics.find((d) => d.code === "FSM401");
  assert.equal(unused, {
    file: "warnings.fsm",
    code: "FSM401",
    severity: "warning",
    message: unused?.message ?? "",
    range: rangeOf(warningsOnly, "Unused"),
  });
  assert.match(unused?.message ?? "", /Unused/);
  assert.equal(report.summary, { files: 1, errors: 0, warnings: report.diagnostics.length });
});

const jsonOfErrors = runAtMost(() => runFsmc(["check", withErrors, "--format", "json"]));

cliTest(
  "--format sarif prints a valid SARIF 2.1.0 log whose results match the JSON diagnostics",
  ["check", withErrors, "--format", "sarif"],
  repoRoot,
  async (run) => {
    assert.is(run.code, 1);
    const log = JSON.parse(run.stdout) as SarifLog;
    assert.is(sarifSchemaErrors(log), "");
    const json = JSON.parse((await jsonOfErrors).stdout) as JsonReport;
    const results = log.runs[0]?.results ?? [];
    assert.ok(results.length > 0);
    assert.equal(
      results.map((r) => [r.ruleId, r.level, r.message.text, r.locations[0]?.physicalLocation.artifactLocation.uri]),
      json.diagnostics.map((d) => [d.code, d.severity, d.message, d.file]),
    );
  },
);

cliTest(
  "a directory is searched recursively for .fsm files, skipping node_modules and dot-directories",
  ["check", "specs", "--format", "json"],
  work,
  (run) => {
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.is(report.summary.files, 2);
    assert.equal([...new Set(report.diagnostics.map((d) => d.file))], ["specs/sub/b.fsm"]);
    assert.is(run.code, 1, "specs/sub/b.fsm names an undeclared event");
  },
);

cliTest("several files are checked together and reported in file order", ["check", "warnings.fsm", "specs/sub/b.fsm", "specs/a.fsm"], work, (run) => {
  assert.is(run.code, 1);
  const files = [...run.stdout.matchAll(/^([^\s:]+\.fsm):\d+:\d+: /gm)].map((m) => m[1]);
  assert.equal([...new Set(files)], ["specs/sub/b.fsm", "warnings.fsm"]);
  assert.match(run.stdout, /in 3 files\n$/);
});

cliTest("a file named explicitly is checked whatever its extension", ["check", "spec.txt"], work, (run) => {
  assert.match(run.stdout, /^spec\.txt:3:9: warning FSM401: /m);
});

cliTest("a missing file is a failed operation naming the path and the reason, exit 1", ["check", "specs/a.fsm", "specs/foo.fsm"], work, (run) => {
  assert.is(run.code, 1);
  assert.match(run.stderr, /cannot read specs\/foo\.fsm: no such file or directory \(ENOENT\)/);
  assert.is(run.stdout, "");
});

cliTest("a directory without .fsm files is a failed operation naming it, exit 1", ["check", "empty"], work, (run) => {
  assert.is(run.code, 1);
  assert.match(run.stderr, /no \.fsm files in directory: empty/);
});

cliTest("no path at all is a usage error, exit 2", ["check"], repoRoot, (run) => {
  assert.is(run.code, 2);
  assert.match(run.stderr, /fsmc: /);
});

cliTest("an unknown flag is a usage error naming it, exit 2", ["check", clean, "--bogus-flag"], repoRoot, (run) => {
  assert.is(run.code, 2);
  assert.match(run.stderr, /bogus-flag/);
});

cliTest("an unknown --format value is a usage error listing the choices, exit 2", ["check", clean, "--format", "xml"], repoRoot, (run) => {
  assert.is(run.code, 2);
  assert.match(run.stderr, /xml/);
  assert.match(run.stderr, /sarif/);
});

cliTest("a file that is not UTF-8 gets an FSM001 diagnostic at the bad byte, shown under its line, and exit 1", ["check", "latin1.fsm"], work, (run) => {
  assert.is(run.code, 1);
  assert.match(run.stdout, /^latin1\.fsm:1:12: error FSM001: .*UTF-8.*\nmachine Caf\ufffd \{\}\n {11}\^$/m);
});

cliTest("--help documents the formats, the JSON shape and the exit codes", ["check", "--help"], repoRoot, (run) => {
  assert.is(run.code, 0);
  for (const text of ["--format", "--strict", '"diagnostics"', '"range"', "Exit status"]) assert.ok(run.stdout.includes(text), `help lacks ${text}`);
});

test.run();
