// `fsmc diff` run as a subprocess: exit codes, text, json and sarif output, several paths per side, and the old side read from a real Redis.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { specMachines } from "../../compiler/diff/spec-machines.js";
import type { JsonReport } from "../../compiler/render/json.js";
import type { SarifLog } from "../../compiler/render/sarif.js";
import { baseSpec, edit, version } from "../support/diffed-specs.js";
import { freePort, startRedis } from "../support/redis.js";
import { concurrencyLimit, runFsmc, stackFrame, type FsmcRun } from "../support/run-fsmc.js";
import { sarifSchemaErrors } from "../support/sarif-schema.js";
import { rangeOf } from "../support/text-range.js";

/** A compatible next version: bumped, with an optional context field and a new state. */
const compatible = version(
  2,
  ["note: string? }", "note: string?, queue: string? }"],
  ["  final state Ended\n", "  state Wrapup { after 30s -> Ended }\n\n  final state Ended\n"],
  ["on Transfer -> Transferring", "on Transfer -> Transferring\n    on Answered -> Wrapup"],
);
/** A next version with one error (a new required event field) and one warning (a timer re-timed). */
const breaking = version(
  2,
  ["event Hangup { cause: string }", "event Hangup { cause: string, sipCode: int }"],
  ["after 30s -> Ended / cancelRing", "after 45s -> Ended / cancelRing"],
);
/** A next version with a warning only. */
const warningOnly = version(2, ["after 30s -> Ended / cancelRing", "after 45s -> Ended / cancelRing"]);
const survey = `machine Survey {
  version 4
  deadline 1h -> Done
  initial state Asking { after 1m -> Done }
  final state Done
}
`;

const work = mkdtempSync(join(tmpdir(), "fsmc-diff-"));
const files: Record<string, string> = {
  "old.fsm": baseSpec,
  "compatible.fsm": compatible,
  "breaking.fsm": breaking,
  "warning.fsm": warningOnly,
  "broken.fsm": edit(compatible, ["-> Wrapup", "-> Nowhere"]),
  "old/call.fsm": baseSpec,
  "old/survey.fsm": survey,
  "new/flows.fsm": compatible + survey,
  "new-without-survey/call.fsm": compatible,
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(join(work, path, ".."), { recursive: true });
  writeFileSync(join(work, path), text);
}

// The old side in Redis: the definition the compiler builds, stored as the runtime stores it.
const redis = await startRedis();
const client = new Redis(redis.url);
const definitionJson = JSON.stringify(specMachines([{ path: "old.fsm", text: baseSpec }]).machines[0]!.definition.data);
// As the runtime stores them: each version beside its content hash (`h:<version>`), which is not a version.
await client.hset(
  "fsm:def:{Call}",
  "1",
  definitionJson,
  "h:1",
  "0123456789abcdef",
  "3",
  definitionJson.replace('"version":1', '"version":3'),
  "h:3",
  "fedcba9876543210",
);
await client.hset("fsm:def:{Garbled}", "1", "{not json");
// Runtimes with a key prefix store it under the prefix: version 1 only there.
await client.hset("app-a:fsm:def:{Call}", "1", definitionJson);
const nobodyListens = `redis://127.0.0.1:${await freePort()}`;

test.after(async () => {
  client.disconnect();
  await redis.stop({ cleanup: true });
  rmSync(work, { recursive: true, force: true });
});

// Each CLI start costs a second or more, so every run is started up front, a few at a time, and each test awaits its own.
const runAtMost = concurrencyLimit(3);

function cliTest(name: string, args: string[], expect: (run: FsmcRun) => void | Promise<void>): void {
  const pending = runAtMost(() => runFsmc(args, work));
  test(name, async () => {
    const run = await pending;
    await expect(run);
    assert.not.match(run.stdout + run.stderr, stackFrame, "a stack trace was printed");
    assert.not.match(run.stderr, /internal error/);
  });
}

/** A failed operation: exit 1, nothing on stdout, exactly `line` on stderr. */
function failedWith(line: string): (run: FsmcRun) => void {
  return (run) => {
    assert.is(run.code, 1, run.stderr);
    assert.is(run.stdout, "");
    assert.is(run.stderr, `${line}\n`);
  };
}

function usage(pattern: RegExp): (run: FsmcRun) => void {
  return (run) => {
    assert.is(run.code, 2, run.stderr);
    assert.is(run.stdout, "");
    assert.match(run.stderr, pattern);
  };
}

cliTest("a compatible change (bumped version, optional field, new state) exits 0 and reports nothing", ["diff", "old.fsm", "compatible.fsm"], (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.is(run.stdout, "no problems in 2 files\n");
});

cliTest("--strict on a compatible change still exits 0", ["diff", "old.fsm", "compatible.fsm", "--strict"], (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
});

cliTest("an error exits 1, with path:line:col headers, the source line and a caret, as check prints them", ["diff", "old.fsm", "breaking.fsm"], (run) => {
  assert.is(run.code, 1);
  const field = rangeOf(breaking, "sipCode").start;
  const timer = rangeOf(breaking, "45s").start;
  const lines = run.stdout.split("\n");
  assert.match(lines[0]!, `breaking.fsm:${field.line}:${field.column}: error FSM606: event 'Hangup' requires a new field 'sipCode' in version 2`);
  assert.is(lines[1], "  event Hangup { cause: string, sipCode: int }");
  assert.is(lines[2], `${" ".repeat(field.column - 1)}^~~~~~~`);
  assert.match(lines[3]!, `breaking.fsm:${timer.line}:${timer.column}: warning FSM608: `);
  assert.match(run.stdout, /\n1 error, 1 warning in 2 files\n$/);
});

cliTest("warnings alone exit 0", ["diff", "old.fsm", "warning.fsm"], (run) => {
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /warning FSM608/);
});

cliTest("--strict makes warnings exit 1", ["diff", "old.fsm", "warning.fsm", "--strict"], (run) => {
  assert.is(run.code, 1);
  assert.match(run.stdout, /warning FSM608/);
});

cliTest(
  "--format json prints the report check prints: diagnostics with file, code, severity, message and range, and a summary",
  ["diff", "old.fsm", "breaking.fsm", "--format", "json"],
  (run) => {
    assert.is(run.code, 1);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(Object.keys(report), ["diagnostics", "summary"]);
    assert.equal(report.summary, { files: 2, errors: 1, warnings: 1 });
    const [error, warning] = report.diagnostics;
    assert.equal(error, { file: "breaking.fsm", code: "FSM606", severity: "error", message: error?.message ?? "", range: rangeOf(breaking, "sipCode") });
    assert.equal(warning, { file: "breaking.fsm", code: "FSM608", severity: "warning", message: warning?.message ?? "", range: rangeOf(breaking, "45s") });
  },
);

const jsonOfBreaking = runAtMost(() => runFsmc(["diff", "old.fsm", "breaking.fsm", "--format", "json"], work));

cliTest(
  "--format sarif prints a valid SARIF 2.1.0 log declaring the diff rules, whose results match the JSON report",
  ["diff", "old.fsm", "breaking.fsm", "--format", "sarif"],
  async (run) => {
    assert.is(run.code, 1);
    const log = JSON.parse(run.stdout) as SarifLog;
    assert.is(sarifSchemaErrors(log), "");
    const rules = log.runs[0]!.tool.driver.rules;
    const results = log.runs[0]!.results;
    for (const result of results) assert.is(rules[result.ruleIndex]?.id, result.ruleId);
    assert.equal(
      rules.filter((r) => r.id.startsWith("FSM6")).map((r) => [r.id, r.defaultConfiguration.level]),
      [
        ["FSM601", "error"],
        ["FSM602", "error"],
        ["FSM603", "warning"],
        ["FSM604", "warning"],
        ["FSM605", "warning"],
        ["FSM606", "error"],
        ["FSM607", "warning"],
        ["FSM608", "warning"],
        ["FSM609", "warning"],
        ["FSM610", "warning"],
        ["FSM611", "error"],
        ["FSM612", "warning"],
      ],
    );
    const json = JSON.parse((await jsonOfBreaking).stdout) as JsonReport;
    assert.equal(
      results.map((r) => [
        r.ruleId,
        r.level,
        r.message.text,
        r.locations[0]?.physicalLocation.artifactLocation.uri,
        r.locations[0]?.physicalLocation.region.startLine,
      ]),
      json.diagnostics.map((d) => [d.code, d.severity, d.message, d.file, d.range.start.line]),
    );
  },
);

cliTest("directories on both sides match machines by name across files", ["diff", "old", "new", "--format", "json"], (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.equal(JSON.parse(run.stdout) as JsonReport, { diagnostics: [], summary: { files: 3, errors: 0, warnings: 0 } });
});

cliTest(
  "--from and --to take several paths per side; a machine missing from the new side is FSM603 at its old name",
  ["diff", "--from", "old/call.fsm", "old/survey.fsm", "--to", "new-without-survey/call.fsm", "--format", "json"],
  (run) => {
    assert.is(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(
      report.diagnostics.map((d) => [d.file, d.code, d.range]),
      [["old/survey.fsm", "FSM603", rangeOf(survey, "Survey")]],
    );
    assert.is(report.summary.files, 3);
  },
);

cliTest("specs with check errors are not compared: their errors are printed and the run exits 1", ["diff", "old.fsm", "broken.fsm"], (run) => {
  assert.is(run.code, 1);
  assert.match(run.stdout, /^broken\.fsm:\d+:\d+: error FSM102: /);
  assert.not.match(run.stdout, /FSM6\d\d/);
  assert.match(run.stderr, /nothing compared: the specs have errors/);
});

cliTest(
  "a missing old file is a failed operation naming it and the OS reason",
  ["diff", "gone.fsm", "compatible.fsm"],
  failedWith("fsmc: cannot read gone.fsm: no such file or directory (ENOENT)"),
);

cliTest(
  "a missing new file is a failed operation naming it and the OS reason",
  ["diff", "old.fsm", "gone.fsm"],
  failedWith("fsmc: cannot read gone.fsm: no such file or directory (ENOENT)"),
);

cliTest("only one side is a usage error", ["diff", "old.fsm"], usage(/name the old and the new specs/));

cliTest(
  "a side given both as a path and with --from is a usage error",
  ["diff", "old.fsm", "compatible.fsm", "--from", "old"],
  usage(/give the old side once/),
);

cliTest("a bad --format is a usage error", ["diff", "old.fsm", "compatible.fsm", "--format", "xml"], usage(/xml/));

cliTest(
  "with --redis, the old side must be Machine@version",
  ["diff", "--redis", redis.url, "old.fsm", "compatible.fsm"],
  usage(/expected <Machine>@<version>.*"old\.fsm"/),
);

cliTest("--redis: the stored definition unchanged at the same version reports nothing", ["diff", "--redis", redis.url, "Call@1", "old.fsm"], (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.is(run.stdout, "no problems in 1 file\n");
});

cliTest("--redis: a compatible next version reports nothing", ["diff", "--redis", redis.url, "Call@1", "compatible.fsm", "--strict"], (run) => {
  assert.is(run.code, 0, run.stdout + run.stderr);
});

cliTest("--redis: reports point into the new spec", ["diff", "--redis", redis.url, "Call@1", "breaking.fsm", "--format", "json"], (run) => {
  assert.is(run.code, 1);
  const report = JSON.parse(run.stdout) as JsonReport;
  assert.equal(
    report.diagnostics.map((d) => [d.file, d.code, d.range]),
    [
      ["breaking.fsm", "FSM606", rangeOf(breaking, "sipCode")],
      ["breaking.fsm", "FSM608", rangeOf(breaking, "45s")],
    ],
  );
  assert.equal(report.summary, { files: 1, errors: 1, warnings: 1 });
});

cliTest(
  "--redis: a new spec with a lower version than the stored one is FSM602 at its version",
  ["diff", "--redis", redis.url, "Call@3", "compatible.fsm", "--format", "json"],
  (run) => {
    assert.is(run.code, 1);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(
      report.diagnostics.map((d) => [d.code, d.range]),
      [["FSM602", rangeOf(compatible, "2")]],
    );
  },
);

cliTest(
  "--redis: a machine the new specs lack fails (a wrong path or a rename), naming the machine and the files",
  ["diff", "--redis", redis.url, "Call@1", "old/survey.fsm", "--format", "json"],
  failedWith("fsmc diff: no machine Call in old/survey.fsm: nothing to compare with version 1 from Redis"),
);

const address = redis.url.replace("redis://", "");

cliTest(
  "--redis: a version the hash lacks exits 1 naming address, key and version, and the versions there",
  ["diff", "--redis", redis.url, "Call@2", "compatible.fsm"],
  failedWith(`fsmc diff: Redis at ${address} has no version 2 in fsm:def:{Call} (it holds versions 1, 3)`),
);

cliTest(
  "--redis: a machine with no stored definition exits 1 naming address, key and version",
  ["diff", "--redis", redis.url, "Survey@4", "old/survey.fsm"],
  failedWith(`fsmc diff: Redis at ${address} has no fsm:def:{Survey}, so no version 4 of it`),
);

cliTest(
  "--redis --key-prefix reads the definition the prefixed runtimes stored",
  ["diff", "--redis", redis.url, "--key-prefix", "app-a:", "Call@1", "compatible.fsm", "--strict"],
  (run) => {
    assert.is(run.stderr, "");
    assert.is(run.code, 0);
  },
);

cliTest(
  "--redis --key-prefix names the prefixed key when the version is not there",
  ["diff", "--redis", redis.url, "--key-prefix", "app-a:", "Call@3", "compatible.fsm"],
  failedWith(`fsmc diff: Redis at ${address} has no version 3 in app-a:fsm:def:{Call} (it holds version 1)`),
);

cliTest("--redis: a stored value that is not JSON exits 1 naming address, key and version", ["diff", "--redis", redis.url, "Garbled@1", "old.fsm"], (run) => {
  assert.is(run.code, 1);
  assert.is(run.stdout, "");
  assert.match(run.stderr, new RegExp(`^fsmc diff: version 1 in fsm:def:\\{Garbled\\} at ${address} is not JSON: .+\\n$`));
});

cliTest("--redis: an unreachable Redis exits 1 in one line naming address, key and version", ["diff", "--redis", nobodyListens, "Call@1", "old.fsm"], (run) => {
  assert.is(run.code, 1);
  assert.is(run.stdout, "");
  const port = nobodyListens.replace("redis://127.0.0.1:", "");
  assert.match(run.stderr, new RegExp(`^fsmc diff: cannot read version 1 of fsm:def:\\{Call\\} from Redis at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`));
});

test.run();
