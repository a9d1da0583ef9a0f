// `npm run bench [-- <name>…]`: runs bench/<name>.ts, or every benchmark, each in its own Node process.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
/** Files in bench/ that are not benchmarks themselves. */
const notBenchmarks = new Set(["run.ts", "synthetic.ts"]);
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith(".ts") && !notBenchmarks.has(file))
  .map((file) => file.slice(0, -".ts".length))
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(", ")}; available: ${available.join(", ")}\n`);
  process.exit(2);
}

let failed = false;
for (const name of requested.length > 0 ? requested : available) {
  process.stdout.write(`\n## ${name}\n\n`);
  const run = spawnSync(process.execPath, ["--import", "tsx", `${benchDir}${name}.ts`], { stdio: "inherit" });
  if (run.status !== 0) {
    process.stderr.write(`bench: ${name} failed (exit ${run.status ?? run.signal})\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
