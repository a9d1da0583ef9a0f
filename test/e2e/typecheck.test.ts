// The whole project (sources, generated machines, tests, benchmarks) type-checks under strict tsc.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = new URL("../..", import.meta.url).pathname;
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin/tsc");

test("tsc --noEmit -p . reports no type errors", () => {
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "."], { cwd: root, encoding: "utf8" });
  assert.is(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});

test("the package builds write JavaScript and declarations for every entry point, without type errors", () => {
  const builds = [
    { project: "runtime/tsconfig.build.json", files: ["index.js", "index.d.ts", "operations.js", "operations.d.ts"] },
    { project: "tsconfig.build.json", files: ["compiler/index.js", "compiler/index.d.ts", "compiler/runtime.js", "compiler/runtime.d.ts"] },
  ];
  for (const { project, files } of builds) {
    const outDir = join(root, ".tmp/build-check", project.replace(/\W+/g, "-"));
    const result = spawnSync(process.execPath, [tsc, "-p", project, "--outDir", outDir], { cwd: root, encoding: "utf8" });
    assert.is(result.status, 0, `${project} failed:\n${result.stdout}${result.stderr}`);
    for (const file of files) assert.ok(existsSync(join(outDir, file)), `missing ${file} in the output of ${project}`);
  }
});

test.run();
