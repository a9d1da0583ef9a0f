// Benchmark `throughput`: events applied per second end to end, fsmc against limit, naive, bullmq and xstate.
import { Redis } from "ioredis";
import { startRedis } from "../test/support/redis.js";
import { EVENTS_PER_FLOW } from "./support/bench-call.js";
import { BenchProcessPool } from "./support/bench-process-pool.js";
import type { VariantName } from "./support/bench-protocol.js";
import { median } from "./support/bench-statistics.js";
import { BULLMQ_WORKER_CONCURRENCY } from "./baselines/bullmq.js";
import { fsmcRuntimeUnavailableReason } from "./support/fsmc-driver-availability.js";
import { describeMachine, redisCpuSeconds } from "./support/machine-description.js";
import { formatMicros, formatRate, formatRatio, markdownTable } from "./support/markdown-table.js";

const FLOWS = Number(process.env.BENCH_FLOWS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROCESS_COUNTS = (process.env.BENCH_PROCESSES ?? "1,2").split(",").map(Number);
const ALL_VARIANTS: readonly VariantName[] = ["fsmc", "limit", "naive", "bullmq", "xstate"];
const REQUESTED = (process.env.BENCH_VARIANTS?.split(",") as VariantName[] | undefined) ?? ALL_VARIANTS;
const unknownVariants = REQUESTED.filter((variant) => !ALL_VARIANTS.includes(variant));
if (unknownVariants.length > 0) throw new Error(`BENCH_VARIANTS: unknown ${unknownVariants.join(", ")}; known: ${ALL_VARIANTS.join(", ")}`);

/** fsmc ÷ baseline targets from BENCHMARKS.md ("limit" counts as ≥ 0.5 × limit). */
const TARGETS: Partial<Record<VariantName, number>> = { limit: 0.5, naive: 2, bullmq: 1.5 };

const redisServer = await startRedis();
const admin = new Redis(redisServer.port, "127.0.0.1");
const pools: BenchProcessPool[] = [];
try {
  const machine = await describeMachine(admin);
  const unavailable = REQUESTED.includes("fsmc") ? await fsmcRuntimeUnavailableReason() : undefined;
  if (unavailable) console.error(`fsmc not measured (${unavailable}): baselines only`);
  const variants = REQUESTED.filter((variant) => variant !== "fsmc" || !unavailable);
  const rows: string[][] = [];
  for (const processCount of PROCESS_COUNTS) {
    const rates = new Map<VariantName, number[]>();
    const processCpu = new Map<VariantName, number[]>();
    const redisCpu = new Map<VariantName, number[]>();
    const roundPools = new Map<VariantName, BenchProcessPool>();
    for (const variant of variants) {
      const pool = await BenchProcessPool.start({ variant, processCount, redisUrl: redisServer.url });
      pools.push(pool);
      roundPools.set(variant, pool);
      rates.set(variant, []);
      processCpu.set(variant, []);
      redisCpu.set(variant, []);
    }
    // Round 0 warms every variant up (JIT, script cache, connections) on a fifth of the flows and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const variant of variants) {
        const roundId = `p${processCount}-r${round}-${variant}`;
        const flowIds = Array.from({ length: round === 0 ? Math.ceil(FLOWS / 5) : FLOWS }, (_, index) => `${roundId}-call-${index}`);
        const outcome = await roundPools.get(variant)!.runRound(roundId, flowIds, { shape: "closed" }, { redisCpuSeconds: () => redisCpuSeconds(admin) });
        if (round > 0) {
          rates.get(variant)!.push(outcome.eventsPerSecond);
          processCpu.get(variant)!.push(outcome.processCpuMicrosPerEvent);
          if (variant !== "xstate") redisCpu.get(variant)!.push(outcome.redisCpuMicrosPerEvent);
        }
        console.error(`${processCount} process(es) round ${round} ${variant}: ${formatRate(outcome.eventsPerSecond)} events/s`);
      }
    }
    for (const variant of variants) await roundPools.get(variant)!.close();
    const fsmcRates = rates.get("fsmc");
    for (const variant of variants) {
      const variantRates = rates.get(variant)!;
      // Rounds are interleaved, so round i of fsmc and of a baseline saw the same machine noise: compare them pairwise.
      // The limit baseline issues two scripts per event, so its events/s is already the ÷ 2 figure.
      const ratio = fsmcRates && variant !== "fsmc" ? median(variantRates.map((rate, round) => fsmcRates[round]! / rate)) : Number.NaN;
      const target = TARGETS[variant];
      const verdict = target === undefined || !Number.isFinite(ratio) ? "" : ratio >= target ? `≥ ${target}× met` : `≥ ${target}× **missed**`;
      rows.push([
        String(processCount),
        variant,
        formatRate(median(variantRates)),
        `${formatRate(Math.min(...variantRates))}–${formatRate(Math.max(...variantRates))}`,
        variant === "fsmc" ? "—" : formatRatio(ratio),
        verdict,
        formatMicros(median(processCpu.get(variant)!)),
        formatMicros(median(redisCpu.get(variant)!)),
      ]);
    }
  }
  console.log(`\n### throughput — ${FLOWS.toLocaleString("en-US")} flows × ${EVENTS_PER_FLOW} events, closed loop, median of ${ROUNDS} rounds\n`);
  console.log(
    `${machine}; \`npm run bench -- throughput\`; bullmq worker concurrency ${BULLMQ_WORKER_CONCURRENCY} per process; every client with ioredis auto-pipelining\n`,
  );
  console.log(
    markdownTable(
      [
        "processes",
        "variant",
        "events/s (median)",
        "range",
        "fsmc ÷ variant (median of per-round ratios)",
        "target",
        "bench-process CPU µs/event",
        "Redis CPU µs/event",
      ],
      rows,
    ),
  );
} finally {
  await Promise.all(pools.map((pool) => pool.close()));
  admin.disconnect();
  await redisServer.stop({ cleanup: true });
}
