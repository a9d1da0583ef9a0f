// `fsmc check --strict` and `fsmc compile` run as subprocesses agree: what check refuses, compile writes nothing for; what check accepts, compile emits.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { concurrencyLimit, runFsmc, stackFrame, type FsmcRun } from "../support/run-fsmc.js";

/** A strict-clean machine; each spec below changes one name or one default in it. */
function spec({ name = "Call", field = "attempts: int = 0", state = "Talking" } = {}): string {
  return `machine ${name} {
  context { ${field} }
  event Answered
  event Hangup
  deadline 1h -> Ended
  initial state Ringing {
    on Answered -> ${state}
    after 30s -> Ended
  }
  state ${state} {
    on Hangup -> Ended
  }
  final state Ended
}
`;
}

const work = mkdtempSync(join(tmpdir(), "fsmc-check-compilable-"));
const cases = {
  prototypeName: { dir: "prototype-name", files: { "call.fsm": spec({ field: "constructor: string?" }) } },
  hugeNumber: { dir: "huge-number", files: { "call.fsm": spec({ field: "attempts: int = 1e400" }) } },
  unsafeInt: { dir: "unsafe-int", files: { "call.fsm": spec({ field: "attempts: int = 9007199254740993" }) } },
  fileClash: { dir: "file-clash", files: { "a.fsm": spec({ name: "Abc" }), "b.fsm": spec({ name: "ABC" }) } },
  nearMisses: { dir: "near-misses", files: { "call.fsm": spec({ name: "Constructor", field: "constructorName: string?", state: "ToString" }) } },
};
for (const { dir, files } of Object.values(cases)) {
  mkdirSync(join(work, dir));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(work, dir, file), text);
}

test.after(() => rmSync(work, { recursive: true, force: true }));

// Each CLI start is costly: every run starts up front, a few at a time, and each test awaits its own.
const runAtMost = concurrencyLimit(3);
const checkRuns = new Map(Object.entries(cases).map(([key, c]) => [key, runAtMost(() => runFsmc(["check", ".", "--strict"], join(work, c.dir)))]));
const compileRuns = new Map(Object.entries(cases).map(([key, c]) => [key, runAtMost(() => runFsmc(["compile", ".", "-o", "out"], join(work, c.dir)))]));

async function runsOf(key: keyof typeof cases): Promise<{ check: FsmcRun; compile: FsmcRun; out: string }> {
  const [check, compile] = await Promise.all([checkRuns.get(key)!, compileRuns.get(key)!]);
  for (const run of [check, compile]) assert.not.match(run.stdout + run.stderr, stackFrame);
  return { check, compile, out: join(work, cases[key].dir, "out") };
}

/** `check --strict` exits 1 with exactly `header`; `compile` exits 1 with it too and creates no output directory. */
async function assertRefusedByBoth(key: keyof typeof cases, header: string): Promise<void> {
  const { check, compile, out } = await runsOf(key);
  assert.is(check.code, 1, check.stdout + check.stderr);
  assert.ok(check.stdout.startsWith(`${header}\n`), check.stdout);
  assert.match(check.stdout, /1 error in \d files?\n$/);
  assert.is(compile.code, 1, compile.stdout + compile.stderr);
  assert.ok(compile.stdout.includes(header), compile.stdout);
  assert.not.match(compile.stderr, /internal error/);
  assert.not.ok(existsSync(out), "compile wrote nothing");
}

test("an Object.prototype member as a name: check --strict exits 1 with FSM114 at the name, compile writes nothing", async () => {
  await assertRefusedByBoth(
    "prototypeName",
    "call.fsm:2:13: error FSM114: context field name 'constructor' is a member of Object.prototype, which every JavaScript object has: generated lookups and the runtime's tables would find the inherited member instead of this context field; choose another name",
  );
});

test("an int default too large for a double: check --strict exits 1 with FSM110 at the literal, compile writes nothing and has no internal error", async () => {
  await assertRefusedByBoth(
    "hugeNumber",
    "call.fsm:2:29: error FSM110: default 1e400 of context field 'attempts' is too large to represent: JavaScript numbers end near 1.8e308, so it would be stored as Infinity, which JSON cannot carry; write a smaller number",
  );
});

test("an int default past the safe range: check --strict exits 1 with FSM110, compile writes nothing", async () => {
  const { check } = await runsOf("unsafeInt");
  assert.match(check.stdout, /^call\.fsm:2:29: error FSM110: default 9007199254740993 .* \(it would be stored as 9007199254740992\)/);
  await assertRefusedByBoth("unsafeInt", check.stdout.split("\n")[0]!);
});

test("machines in two files with one module file: check --strict exits 1 with FSM501 in the later file, compile writes nothing", async () => {
  await assertRefusedByBoth(
    "fileClash",
    "b.fsm:1:9: error FSM501: machine 'ABC' would be written to abc.ts, the module of machine 'Abc' (declared at a.fsm:1:9): module files are named in lower kebab-case, so rename one of the machines",
  );
});

test("names that only resemble Object.prototype members pass check --strict and compile", async () => {
  const { check, compile, out } = await runsOf("nearMisses");
  assert.is(check.code, 0, check.stdout + check.stderr);
  assert.is(check.stdout, "no problems in 1 file\n");
  assert.is(compile.code, 0, compile.stdout + compile.stderr);
  assert.equal(readdirSync(out).sort(), ["constructor.ts", "index.ts"]);
});

test.run();
