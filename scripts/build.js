// Builds dist/ (JavaScript + declarations) for consumers of the published package; run by `npm ci`.
// Type errors are reported but do not fail the install: the test suite's type check fails on them instead.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = join(dirname(require.resolve("typescript/package.json")), "bin/tsc");
} catch {
  // Installed as a dependency without devDependencies: the published tarball already holds dist/.
  process.exit(0);
}
rmSync("dist", { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
if (result.status !== 0) console.error("fsmc build: tsc reported type errors (dist/ was still written)");
if (existsSync("runtime/lua")) cpSync("runtime/lua", "dist/runtime/lua", { recursive: true });
