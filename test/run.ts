// Runs every uvu test area in its own process and prints the closing `N passed, N failed` line.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const areas = ["grammar", "compiler", "e2e", "runtime"];
const only = process.argv.slice(2);
const root = new URL("..", import.meta.url).pathname;
const uvu = join(root, "node_modules/uvu/bin.js");

interface AreaResult {
  area: string;
  passed: number;
  failed: number;
  skipped: number;
  code: number | null;
}

function hasTests(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(".test.ts"));
}

function runArea(area: string): Promise<AreaResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", uvu, join("test", area), "\\.test\\.ts$", "--no-color"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString();
    });
    child.on("close", (code) => {
      const num = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? 0);
      const total = num("Total");
      const passed = num("Passed");
      const skipped = num("Skipped");
      // A process that died before uvu's summary counts as one failure so the run cannot look green.
      const failed = total - passed - skipped + (code !== 0 && total === passed + skipped ? 1 : 0);
      resolve({ area, passed, failed, skipped, code });
    });
  });
}

// The CLI the tests run as a process is the compiled one (bin/fsmc.js runs dist/): build it from the sources first.
const built = spawnSync(process.execPath, [join(root, "scripts/build.js")], { cwd: root, stdio: "inherit" });
if (built.status !== 0) {
  console.log("the build failed\n0 passed, 1 failed");
  process.exit(1);
}

const results: AreaResult[] = [];
for (const area of areas) {
  if (only.length > 0 && !only.includes(area)) continue;
  if (!hasTests(join(root, "test", area))) continue;
  console.log(`\n== test/${area} ==`);
  results.push(await runArea(area));
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
for (const r of results) console.log(`test/${r.area}: ${r.passed} passed, ${r.failed} failed`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
