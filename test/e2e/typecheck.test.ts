// The whole project (sources, generated machines, tests, benchmarks) type-checks under strict tsc.
import { spawnSync } from "node:child_process";
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

test("the package build writes JavaScript and declarations for both entry points", () => {
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", join(root, ".tmp/build-check")], { cwd: root, encoding: "utf8" });
  assert.is(result.status, 0, `build failed:\n${result.stdout}${result.stderr}`);
  for (const file of ["compiler/index.js", "compiler/index.d.ts", "runtime/index.js", "runtime/index.d.ts"]) {
    const exists = spawnSync("test", ["-f", join(root, ".tmp/build-check", file)]).status === 0;
    assert.ok(exists, `missing ${file} in the build output`);
  }
});

test.run();
