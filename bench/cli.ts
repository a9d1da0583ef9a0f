// Benchmark `cli`: cold start of the compiled `fsmc` command (--version, check of one spec, flows inspect against
// Redis) against a bare `node -e 0` and a bare Node process that makes one Redis round trip, in the same run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startRedis } from "../test/support/redis.js";
import { median } from "./support/bench-statistics.js";
import { describeMachine } from "./support/machine-description.js";
import { formatMs, formatRatio, markdownTable } from "./support/markdown-table.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const bin = `${repoRoot}bin/fsmc.js`;

interface Variant {
  name: string;
  args: string[];
}

/** Wall time of one process from spawn to exit, in ms; fails the benchmark when the command fails. */
function timed(variant: Variant): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, variant.args, { cwd: repoRoot, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${variant.name} exited ${run.status ?? run.signal}: ${run.stderr}`);
  return ms;
}

if (!existsSync(`${repoRoot}dist/cli/bin.js`)) {
  process.stderr.write("bench cli: dist/ is missing: run `npm run build` first\n");
  process.exit(1);
}

const redisServer = await startRedis();
const redis = new Redis(redisServer.url);
try {
  // One flow for `flows inspect` to find (its hash is all inspect reads of a flow that never had a lock).
  await redis.hset("fsm:{InboundCall:bench-cli}:s", { s: "Greeting", c: "{}", v: "1", e: "1", q: "0" });
  const ping = `const s = require("node:net").connect(${redisServer.port}, "127.0.0.1", () => s.write("PING\\r\\n")); s.on("data", () => s.end());`;
  const variants: Variant[] = [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "node + one Redis round trip", args: ["-e", ping] },
    { name: "fsmc --version", args: [bin, "--version"] },
    { name: "fsmc check (one spec)", args: [bin, "check", "specs/inbound-ivr.fsm"] },
    { name: "fsmc flows inspect", args: [bin, "flows", "inspect", "InboundCall", "bench-cli", "--redis", redisServer.url] },
  ];
  // Warm the file cache once, then interleave the variants so that a busy moment hits them all alike.
  for (const variant of variants) timed(variant);
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++) for (const variant of variants) samples.get(variant.name)!.push(timed(variant));

  const med = (name: string) => median(samples.get(name)!);
  const bare = med("node -e 0");
  const roundTrip = med("node + one Redis round trip");
  const limits: Record<string, number> = { "fsmc --version": 2 * bare, "fsmc flows inspect": 2 * bare + (roundTrip - bare) };
  const rows = variants.map((v) => {
    const ms = med(v.name);
    const limit = limits[v.name];
    return [v.name, formatMs(ms), formatRatio(ms / bare), limit === undefined ? "—" : `${formatMs(limit)} (${ms <= limit ? "met" : "missed"})`];
  });
  process.stdout.write(`${await describeMachine(redis)}; ${ROUNDS} rounds, medians of wall time from spawn to exit\n\n`);
  process.stdout.write(`${markdownTable(["command", "median ms", "× node -e 0", "target (≤ 2 × node, + one round trip)"], rows)}\n`);
} finally {
  redis.disconnect();
  await redisServer.stop({ cleanup: true });
}
