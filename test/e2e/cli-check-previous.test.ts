// `fsmc check --previous` run as a subprocess: migrations checked against the deployed versions, whose own errors are reported.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import type { JsonReport } from "../../compiler/render/json.js";
import { concurrencyLimit, repoRoot, runFsmc, stackFrame, type FsmcRun } from "../support/run-fsmc.js";
import { rangeOf } from "../support/text-range.js";

// The worked example of docs/language.md: version 2 of the call queue and the deployed version 1.
const versionTwo = "test/fixtures/migrations/call-queue.fsm";
const deployed = "test/fixtures/migrations/deployed";
const versionTwoText = readFileSync(join(repoRoot, versionTwo), "utf8");

const work = mkdtempSync(join(tmpdir(), "fsmc-previous-"));
mkdirSync(join(work, "old"), { recursive: true });
writeFileSync(join(work, "new.fsm"), versionTwoText.replace("Waiting -> OnHold", "Waiting -> OnHold\n    EnteringCalbackNumber -> OnHold"));
// Version 1 with a transition to a misspelt state, and a warning that must stay unreported.
writeFileSync(
  join(work, "old/call-queue.fsm"),
  readFileSync(join(repoRoot, deployed, "call-queue.fsm"), "utf8")
    .replace("-> RingingAgent / storeAgent   //", "-> RingingAgnt / storeAgent   //")
    .replace("  event Hangup", "  event Unused\n  event Hangup"),
);
test.after(() => rmSync(work, { recursive: true, force: true }));

const runAtMost = concurrencyLimit(3);

function cliTest(name: string, args: string[], expect: (run: FsmcRun) => void, cwd = repoRoot): void {
  const pending = runAtMost(() => runFsmc(args, cwd));
  test(name, async () => {
    const run = await pending;
    expect(run);
    assert.not.match(run.stdout, stackFrame);
    assert.not.match(run.stderr, stackFrame);
  });
}

cliTest("without --previous, version 2 is clean", ["check", versionTwo], (run) => {
  assert.is(run.code, 0);
  assert.match(run.stdout, "no problems in 1 file");
});

cliTest(
  "with --previous, a state version 1 has and version 2 neither has nor maps is a warning at the block's version; exit 0",
  ["check", versionTwo, "--previous", deployed],
  (run) => {
    assert.is(run.code, 0, run.stderr);
    const at = rangeOf(versionTwoText, "1 {").start;
    assert.match(run.stdout, `${versionTwo}:${at.line}:${at.column}: warning FSM706: state 'EnteringCallbackNumber' of version 1 (${deployed}/call-queue.fsm:`);
    assert.match(run.stdout, "1 warning in 2 files");
  },
);

cliTest("with --strict the warning fails the run", ["check", versionTwo, "--previous", deployed, "--strict"], (run) => {
  assert.is(run.code, 1);
});

cliTest(
  "--previous may come before the spec paths and be repeated",
  ["check", "--previous", deployed, "--previous", `${deployed}/call-queue.fsm`, versionTwo, "--format", "json"],
  (run) => {
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(
      report.diagnostics.map((d) => d.code),
      ["FSM706"],
    );
  },
);

cliTest(
  "an old state version 1 lacks is an error at its name, and the deployed spec's errors are reported under its path",
  ["check", "new.fsm", "--previous", "old", "--format", "json"],
  (run) => {
    assert.is(run.code, 1);
    const report = JSON.parse(run.stdout) as JsonReport;
    const span = (file: string, needle: string) => {
      const { start, end } = rangeOf(readFileSync(join(work, file), "utf8"), needle);
      return `${start.line}:${start.column}-${end.line}:${end.column}`;
    };
    assert.equal(
      report.diagnostics.map((d) => `${d.file} ${d.code} ${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column}`),
      [
        // The misspelt mapping does not map EnteringCallbackNumber either.
        `new.fsm FSM706 ${span("new.fsm", "1")}`,
        `new.fsm FSM705 ${span("new.fsm", "EnteringCalbackNumber")}`,
        `old/call-queue.fsm FSM102 ${span("old/call-queue.fsm", "RingingAgnt")}`,
      ],
    );
    assert.match(report.diagnostics[1]!.message, "did you mean 'EnteringCallbackNumber'?");
    assert.equal(report.summary, { files: 2, errors: 2, warnings: 1 });
  },
  work,
);

cliTest(
  "the text output shows the deployed spec's line under its error",
  ["check", "new.fsm", "--previous", "old"],
  (run) => {
    assert.match(run.stdout, /old\/call-queue\.fsm:\d+:\d+: error FSM102: [^\n]*\n[^\n]*RingingAgnt/);
  },
  work,
);

cliTest("--previous without a path is refused", ["check", versionTwo, "--previous"], (run) => {
  assert.is.not(run.code, 0);
  assert.match(run.stderr, "previous");
});

cliTest("a --previous path that cannot be read fails the run, naming it", ["check", versionTwo, "--previous", "no-such-dir"], (run) => {
  assert.is.not(run.code, 0);
  assert.match(run.stderr, "no-such-dir");
});

test.run();
