// `fsmc --version` run as a subprocess: the version in the package.json of the fsmc that runs, wherever it is installed.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { repoRoot, runFsmc, type FsmcRun } from "../support/run-fsmc.js";

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };

const work = mkdtempSync(join(tmpdir(), "fsmc-version-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

/**
 * A project that installed fsmc `version` the way npm lays it out: fsmc's files copied under
 * node_modules/fsmc, its dependencies hoisted beside it. yargs is a real copy there (the others are
 * links): its own guess reads the package.json above the first node_modules on its path — the
 * project's, not fsmc's.
 */
function installedProject(version: string): { dir: string; bin: string } {
  const dir = join(work, "project");
  const modules = join(dir, "node_modules");
  const fsmc = join(modules, "fsmc");
  mkdirSync(fsmc, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "call-center", version: "0.0.0", private: true, type: "module" }));
  for (const folder of ["bin", "dist"]) cpSync(join(repoRoot, folder), join(fsmc, folder), { recursive: true });
  writeFileSync(join(fsmc, "package.json"), JSON.stringify({ ...manifest, version }, null, 2));
  for (const name of readdirSync(join(repoRoot, "node_modules"))) {
    if (name === ".bin" || name === manifest.name) continue;
    if (name === "yargs") cpSync(join(repoRoot, "node_modules", name), join(modules, name), { recursive: true, dereference: true });
    else symlinkSync(join(repoRoot, "node_modules", name), join(modules, name));
  }
  return { dir, bin: join(fsmc, "bin/fsmc.js") };
}

/** Runs `node <bin> ...args` in `cwd`, as the project's `npx fsmc` does. */
function runInstalled(bin: string, args: readonly string[], cwd: string): Promise<FsmcRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

test("--version prints the version in fsmc's package.json", async () => {
  const run = await runFsmc(["--version"]);
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, `${manifest.version}\n`);
});

test("--version of an installed fsmc prints that package's version, not the version of the project that installed it", async () => {
  const { dir, bin } = installedProject("3.4.5");
  const run = await runInstalled(bin, ["--version"], dir);
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "3.4.5\n");
});

test.run();
