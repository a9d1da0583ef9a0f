// Type-level specifications of generated modules, checked by `tsc --noEmit` (strict) as a subprocess.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { repoRoot } from "../support/run-fsmc.js";

const tsc = join(repoRoot, "node_modules/.bin/tsc");
const typesDir = join(repoRoot, "test/types");

interface TscRun {
  code: number | null;
  output: string;
}

function runTsc(project: string): Promise<TscRun> {
  return new Promise((resolve) => {
    execFile(
      tsc,
      ["--noEmit", "--strict", "--pretty", "false", "-p", project],
      { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, output: stdout + stderr });
      },
    );
  });
}

/** `file(line,col): error TSnnnn` lines of tsc output, as { file, line }. */
function errorLocations(output: string): { file: string; line: number }[] {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error TS\d+/gm)].map((m) => ({ file: m[1] ?? "", line: Number(m[2]) }));
}

const rejectFiles = readdirSync(typesDir)
  .filter((f) => f.endsWith("-rejects.ts"))
  .sort();

test("consumers implementing every handler, and every @ts-expect-error case, compile under tsc --strict", async () => {
  const run = await runTsc(join(typesDir, "tsconfig.json"));
  // An unused @ts-expect-error is itself an error, so this also proves each marked line is rejected.
  assert.is(run.output.trim(), "");
  assert.is(run.code, 0);
});

test("without their @ts-expect-error, the rejected cases fail to compile exactly at the marked lines", async () => {
  // The cases are copied with the directives removed into a scratch project beside the fixtures they import.
  const scratch = mkdtempSync(join(repoRoot, "test/fixtures/emit/tmp-types-"));
  try {
    const expected: { file: string; line: number }[] = [];
    for (const name of rejectFiles) {
      const lines = readFileSync(join(typesDir, name), "utf8").split("\n");
      lines.forEach((line, index) => {
        if (line.trim().startsWith("// @ts-expect-error")) expected.push({ file: name, line: index + 2 });
      });
      const stripped = lines.map((line) => line.replace(/\/\/ @ts-expect-error.*/, "// (rejected below)"));
      writeFileSync(join(scratch, name), stripped.join("\n").replaceAll("../fixtures/emit/expected/", "../expected/"));
    }
    const config = JSON.parse(readFileSync(join(typesDir, "tsconfig.json"), "utf8")) as { compilerOptions: { paths: Record<string, string[]> } };
    for (const [key, targets] of Object.entries(config.compilerOptions.paths))
      config.compilerOptions.paths[key] = targets.map((t) => relative(scratch, join(typesDir, t)));
    writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify(config, null, 2));

    const run = await runTsc(join(scratch, "tsconfig.json"));
    assert.ok(run.code !== 0, "tsc exits non-zero");
    assert.ok(expected.length >= 10, "the reject files hold the cases");
    const found = errorLocations(run.output).map((e) => ({ file: e.file.split("/").pop() ?? "", line: e.line }));
    const key = (e: { file: string; line: number }) => `${e.file}:${e.line}`;
    assert.equal([...new Set(found.map(key))].sort(), expected.map(key).sort(), run.output);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test.run();
