// The exit codes of `fsmc` run as a subprocess: a path it cannot read or write is a failed operation (1) naming the path and the OS reason; usage errors stay 2.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { concurrencyLimit, repoRoot, runFsmc, stackFrame, type FsmcRun } from "../support/run-fsmc.js";

const spec = readFileSync(join(repoRoot, "test/fixtures/emit/inbound-call.fsm"), "utf8");

// A scratch project every user can enter: the permission cases run fsmc as an unprivileged user.
const work = mkdtempSync(join(tmpdir(), "fsmc-exit-codes-"));
chmodSync(work, 0o755);
writeFileSync(join(work, "call.fsm"), spec);
writeFileSync(join(work, "a-file.txt"), "not a directory\n");
mkdirSync(join(work, "empty"));
writeFileSync(join(work, "secret.fsm"), spec);
chmodSync(join(work, "secret.fsm"), 0o000);
mkdirSync(join(work, "closed"));
writeFileSync(join(work, "closed/inside.fsm"), spec);
chmodSync(join(work, "closed"), 0o700); // root's: nobody else may list it
mkdirSync(join(work, "read-only"));
chmodSync(join(work, "read-only"), 0o555);
mkdirSync(join(work, "clash/inbound-call.ts"), { recursive: true }); // a directory where a module is to be written

test.after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs fsmc in `work` as a user the file modes apply to: root reads and writes whatever the modes say,
 * so as root the run is made as `nobody` (uid 65534).
 */
function runUnprivileged(args: readonly string[]): Promise<FsmcRun> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, "bin/fsmc.js"), ...args],
      { cwd: work, encoding: "utf8", timeout: 60_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const runAtMost = concurrencyLimit(3);

/** Registers a test of one fsmc run; every run starts up front (a few at a time) and each test awaits its own. */
function cliTest(name: string, run: () => Promise<FsmcRun>, expect: (run: FsmcRun) => void): void {
  const pending = runAtMost(run);
  test(name, async () => {
    const result = await pending;
    expect(result);
    assert.not.match(result.stderr, stackFrame, "stderr has a stack trace");
    assert.not.match(result.stderr, /internal error/);
  });
}

/** A failed operation: exit 1, nothing on stdout, one line naming the path and the reason with its code. */
function failedOn(line: string): (run: FsmcRun) => void {
  return (run) => {
    assert.is(run.code, 1, run.stderr);
    assert.is(run.stdout, "");
    assert.is(run.stderr, `fsmc: ${line}\n`);
  };
}

cliTest(
  "check of a path that does not exist exits 1 naming it and ENOENT",
  () => runFsmc(["check", "missing-dir"], work),
  failedOn("cannot read missing-dir: no such file or directory (ENOENT)"),
);

cliTest(
  "check of a path under a file exits 1 naming it and ENOTDIR",
  () => runFsmc(["check", "a-file.txt/spec.fsm"], work),
  failedOn("cannot read a-file.txt/spec.fsm: not a directory (ENOTDIR)"),
);

cliTest(
  "check of an unreadable file exits 1 naming it and EACCES",
  () => runUnprivileged(["check", "secret.fsm"]),
  failedOn("cannot read secret.fsm: permission denied (EACCES)"),
);

cliTest(
  "check of a directory it may not list exits 1 naming it and EACCES",
  () => runUnprivileged(["check", "closed"]),
  failedOn("cannot read directory closed: permission denied (EACCES)"),
);

cliTest("check of a directory with no .fsm file exits 1 naming it", () => runFsmc(["check", "empty"], work), failedOn("no .fsm files in directory: empty"));

cliTest(
  "graph of a file that does not exist exits 1 naming it and ENOENT",
  () => runFsmc(["graph", "nowhere.fsm"], work),
  failedOn("cannot read nowhere.fsm: no such file or directory (ENOENT)"),
);

cliTest(
  "compile -o into a path that is a file exits 1 naming it and ENOTDIR",
  () => runFsmc(["compile", "call.fsm", "-o", "a-file.txt"], work),
  failedOn("cannot write to a-file.txt: not a directory (ENOTDIR)"),
);

cliTest(
  "compile --check against an output path that is a file exits 1 the same way",
  () => runFsmc(["compile", "call.fsm", "-o", "a-file.txt", "--check"], work),
  failedOn("cannot write to a-file.txt: not a directory (ENOTDIR)"),
);

cliTest(
  "compile -o under a file exits 1 naming the path and ENOTDIR",
  () => runFsmc(["compile", "call.fsm", "-o", "a-file.txt/out"], work),
  failedOn("cannot write to a-file.txt/out: not a directory (ENOTDIR)"),
);

cliTest(
  "compile -o into a directory it may not write exits 1 naming the path and EACCES",
  () => runUnprivileged(["compile", "call.fsm", "-o", "read-only/out"]),
  failedOn("cannot write to read-only/out: permission denied (EACCES)"),
);

cliTest(
  "compile -o where a module's file name is a directory exits 1 naming it and EISDIR",
  () => runFsmc(["compile", "call.fsm", "-o", "clash"], work),
  failedOn("cannot write to clash/inbound-call.ts: is a directory (EISDIR)"),
);

/** A usage error: exit 2, the problem, and the pointer to --help. */
function usage(pattern: RegExp): (run: FsmcRun) => void {
  return (run) => {
    assert.is(run.code, 2, run.stderr);
    assert.is(run.stdout, "");
    assert.match(run.stderr, pattern);
    assert.match(run.stderr, /Run 'fsmc --help' for usage\.\n$/);
  };
}

cliTest("an unknown flag is still a usage error, exit 2", () => runFsmc(["check", "call.fsm", "--bogus-flag"], work), usage(/Unknown argument.*bogus-flag/));

cliTest("a missing argument is still a usage error, exit 2", () => runFsmc(["compile", "call.fsm"], work), usage(/out-dir/));

cliTest("no path at all is still a usage error, exit 2", () => runFsmc(["check"], work), usage(/Not enough non-option arguments/));

cliTest(
  "an option given without its value is a usage error, exit 2",
  () => runFsmc(["check", "call.fsm", "--previous"], work),
  usage(/Not enough arguments following: previous/),
);

cliTest("-o without a directory is a usage error, exit 2", () => runFsmc(["compile", "call.fsm", "-o"], work), usage(/Not enough arguments following: o/));

cliTest("a bad --format is still a usage error, exit 2", () => runFsmc(["check", "call.fsm", "--format", "xml"], work), usage(/xml/));

cliTest("no command is a usage error, exit 2", () => runFsmc([], work), usage(/Name a command/));

test.run();
