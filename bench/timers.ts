// Benchmark `timers`: lateness of 100,000 durable timers due over 10 s, 2 processes running the timer service, against one setTimeout per timer in one process.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { TimerService, TimerStore, timerShardKey } from "../runtime/timers/index.js";
import { startRedis } from "../test/support/redis.js";
import { median, quantile } from "./support/bench-statistics.js";
import { describeMachine } from "./support/machine-description.js";
import { formatMs, formatRatio, markdownTable } from "./support/markdown-table.js";

const TIMERS = Number(process.env.BENCH_TIMERS ?? 100_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROCESSES = 2;
/** Time given to arm every timer before the first is due (arming runs while the services already poll). */
const ARM_LEAD_MS = Number(process.env.BENCH_ARM_LEAD_MS ?? 8_000);

type WorkerReport = { lateness: number[]; stats: TimerService["stats"]; cpuMs: number };

/** One timer service process: delivers each timer as one Redis write (standing in for FlowRuntime's one-round-trip enqueue) and measures its lateness. */
async function runWorker(url: string): Promise<void> {
  const redis = new Redis(url);
  const queue = new Redis(url);
  // Timer shards are per machine: the service claims from the machine the parent arms for.
  const store = new TimerStore(redis, { machines: ["Bench"] });
  const lateness: number[] = [];
  const cpuAtStart = process.cpuUsage();
  const service = new TimerService(redis, store, async (timer) => {
    await queue.hincrby("bench:deliveries", timer.member, 1);
    // Fired = its event is durably queued, as FlowRuntime's delivery resolves.
    lateness.push(Date.now() - timer.due);
  });
  process.on("message", async (message) => {
    if (message !== "stop") return;
    await service.stop();
    const cpu = process.cpuUsage(cpuAtStart);
    const report: WorkerReport = { lateness, stats: service.stats, cpuMs: (cpu.user + cpu.system) / 1000 };
    process.send!(report, () => {
      redis.disconnect();
      queue.disconnect();
      process.exit(0);
    });
  });
  service.start();
  if (process.env.BENCH_TRACE) setInterval(() => console.error(process.pid, Date.now() % 100000, JSON.stringify(service.stats), lateness.at(-1)), 1000).unref();
  process.send!("ready");
}

async function startWorker(url: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), ["worker", url], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [message] = (await once(child, "message")) as [unknown];
  if (message !== "ready") throw new Error(`timer worker said ${String(message)}`);
  return child;
}

async function stopWorker(child: ChildProcess): Promise<WorkerReport> {
  const report = once(child, "message") as Promise<[WorkerReport]>;
  child.send("stop");
  const [value] = await report;
  if (child.exitCode === null) await once(child, "exit");
  return value;
}

interface RoundResult {
  lateness: number[];
  lost: number;
  duplicates: number;
  ackMissed: number;
  armedLate: number;
  workerCpuMs: number;
  redisCpuMs: number;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

async function fsmcRound(url: string, admin: Redis, round: number): Promise<RoundResult> {
  await admin.flushall();
  const redisCpuBefore = await redisCpuMs(admin);
  const workers = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker(url)));
  const store = new TimerStore(admin);
  const firstDue = Date.now() + ARM_LEAD_MS;
  let armedLate = 0;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < TIMERS; i++) {
    const due = firstDue + Math.floor((i * SPREAD_MS) / TIMERS);
    const ms = due - Date.now();
    if (ms < 0) armedLate++;
    inFlight.push(store.arm("Bench", `r${round}-flow-${i}`, "1.1", [{ id: "Waiting/t", state: "Waiting", ms: Math.max(0, ms), kind: "timer" }]));
    if (inFlight.length === 500) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  const limit = firstDue + SPREAD_MS + 30_000;
  while (Date.now() < limit) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (Date.now() < firstDue + SPREAD_MS) continue;
    let left = 0;
    for (let shard = 0; shard < store.shards; shard++) left += await admin.zcard(timerShardKey("Bench", shard));
    if (left === 0) break;
  }
  const reports = await Promise.all(workers.map(stopWorker));
  const redisCpu = (await redisCpuMs(admin)) - redisCpuBefore;
  const counts = Object.values(await admin.hgetall("bench:deliveries")).map(Number);
  return {
    lateness: reports.flatMap((r) => r.lateness),
    lost: TIMERS - counts.length,
    duplicates: counts.reduce((n, c) => n + c - 1, 0),
    ackMissed: reports.reduce((n, r) => n + r.stats.ackMissed, 0),
    armedLate,
    workerCpuMs: reports.reduce((n, r) => n + r.cpuMs, 0),
    redisCpuMs: redisCpu,
  };
}

/** The in-memory floor: one setTimeout per timer, due times spread the same way, in this process. */
async function setTimeoutRound(): Promise<number[]> {
  const lateness: number[] = [];
  const firstDue = Date.now() + 1_000;
  await new Promise<void>((resolve) => {
    let fired = 0;
    for (let i = 0; i < TIMERS; i++) {
      const due = firstDue + Math.floor((i * SPREAD_MS) / TIMERS);
      setTimeout(() => {
        lateness.push(Date.now() - due);
        if (++fired === TIMERS) resolve();
      }, due - Date.now());
    }
  });
  return lateness;
}

async function main(): Promise<void> {
  const server = await startRedis();
  const admin = new Redis(server.url);
  try {
    const machine = await describeMachine(admin);
    const fsmc = { p50: [] as number[], p99: [] as number[], max: [] as number[] };
    const floor = { p50: [] as number[], p99: [] as number[], max: [] as number[] };
    let lost = 0;
    let duplicates = 0;
    let ackMissed = 0;
    let armedLate = 0;
    const workerCpu: number[] = [];
    const redisCpu: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const result = await fsmcRound(server.url, admin, round);
      lost += result.lost;
      duplicates += result.duplicates;
      ackMissed += result.ackMissed;
      armedLate += result.armedLate;
      workerCpu.push(result.workerCpuMs);
      redisCpu.push(result.redisCpuMs);
      fsmc.p50.push(quantile(result.lateness, 0.5));
      fsmc.p99.push(quantile(result.lateness, 0.99));
      fsmc.max.push(Math.max(...result.lateness));
      const base = await setTimeoutRound();
      floor.p50.push(quantile(base, 0.5));
      floor.p99.push(quantile(base, 0.99));
      floor.max.push(Math.max(...base));
      console.error(
        `round ${round}: fsmc p50 ${formatMs(fsmc.p50.at(-1)!)} p99 ${formatMs(fsmc.p99.at(-1)!)} max ${formatMs(fsmc.max.at(-1)!)} lost ${result.lost} dup ${result.duplicates}; setTimeout p99 ${formatMs(floor.p99.at(-1)!)}`,
      );
    }
    const row = (name: string, s: typeof fsmc) => [
      name,
      formatMs(median(s.p50)),
      formatMs(median(s.p99)),
      formatMs(median(s.max)),
      formatMs(Math.max(...s.max)),
    ];
    const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
    console.log(`\n### timers — ${TIMERS.toLocaleString("en-US")} timers due over ${SPREAD_MS / 1000} s, ${PROCESSES} processes, median of ${ROUNDS} rounds\n`);
    console.log(`${machine}\n`);
    console.log(
      markdownTable(
        ["variant", "p50 lateness ms", "p99 lateness ms", "max ms (median)", "max ms (worst round)"],
        [
          row(`fsmc (${PROCESSES} processes)`, fsmc),
          row("setTimeout (1 process, in memory)", floor),
          [
            "fsmc ÷ setTimeout",
            formatRatio(median(fsmc.p50) / median(floor.p50)),
            formatRatio(median(fsmc.p99) / median(floor.p99)),
            formatRatio(median(fsmc.max) / median(floor.max)),
            "—",
          ],
        ],
      ),
    );
    console.log("");
    console.log(
      markdownTable(
        ["target", "measured", "verdict"],
        [
          ["p99 lateness ≤ 20 ms", `${formatMs(median(fsmc.p99))} ms`, verdict(median(fsmc.p99) <= 20)],
          ["max lateness ≤ 100 ms", `${formatMs(Math.max(...fsmc.max))} ms (worst round)`, verdict(Math.max(...fsmc.max) <= 100)],
          ["0 lost", String(lost), verdict(lost === 0)],
          ["0 duplicates", `${duplicates} (acks that found the timer gone: ${ackMissed})`, verdict(duplicates === 0)],
        ],
      ),
    );
    const load = loadavg()[0]!;
    console.log(
      `\nCPU per round (median): timer service processes ${Math.round(median(workerCpu)).toLocaleString("en-US")} ms together ` +
        `(${(median(workerCpu) / (TIMERS / 1000)).toFixed(1)} ms per 1,000 timers, idle polling included); Redis ${Math.round(median(redisCpu)).toLocaleString("en-US")} ms ` +
        `(arming, claims, acks and the stand-in enqueues). Load average at the end: ${load.toFixed(1)} on ${availableParallelism()} cores.`,
    );
    if (armedLate > 0)
      console.log(
        `\n${armedLate} timers were armed after their due time (arming slower than ${ARM_LEAD_MS} ms lead); their lateness counts from the intended due.`,
      );
  } finally {
    admin.disconnect();
    await server.stop({ cleanup: true });
  }
}

if (process.argv[2] === "worker") await runWorker(process.argv[3]!);
else await main();
