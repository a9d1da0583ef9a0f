// Starts N child bench processes for one variant, runs timed rounds across them and gathers their reports.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ClosedLoadPlan, OpenLoadPlan, ParentMessage, RoundReport, VariantName } from "./bench-protocol.js";
import type { Consistency } from "./flow-driver.js";
import { EVENTS_PER_FLOW } from "./bench-call.js";

const benchProcessPath = fileURLToPath(new URL("./bench-process.ts", import.meta.url));

/** BENCH_NODE_FLAGS: Node flags for every bench process, whatever its variant (e.g. `--max-semi-space-size=64`), so all run alike. */
export const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter((flag) => flag !== "");

export interface PoolOptions {
  readonly variant: VariantName;
  readonly processCount: number;
  readonly redisUrl: string;
  readonly consistency?: Consistency;
  readonly replicas?: number;
}

export interface RoundOutcome {
  readonly events: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  /** CPU of the bench processes, and of Redis when `redisCpuSeconds` was given, per event. */
  readonly processCpuMicrosPerEvent: number;
  readonly redisCpuMicrosPerEvent: number;
  readonly ackLatencies: number[];
  readonly committedLatencies: number[];
}

interface ChildState {
  readonly child: ChildProcess;
  readonly waiting: Map<ChildMessage["kind"], (message: ChildMessage) => void>;
  progress: { committed: number; sendingDone: boolean };
  failure?: string;
}

export class BenchProcessPool {
  private constructor(
    readonly options: PoolOptions,
    private readonly children: ChildState[],
  ) {}

  static async start(options: PoolOptions): Promise<BenchProcessPool> {
    const children = Array.from({ length: options.processCount }, () => {
      const child = fork(benchProcessPath, [], {
        execArgv: ["--import", "tsx", ...nodeFlags, ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const state: ChildState = { child, waiting: new Map(), progress: { committed: 0, sendingDone: false } };
      child.on("message", (message: ChildMessage) => {
        if (message.kind === "progress") state.progress = { committed: message.committed, sendingDone: message.sendingDone };
        if (message.kind === "failed") state.failure = message.message;
        const waiter = state.waiting.get(message.kind);
        if (waiter) {
          state.waiting.delete(message.kind);
          waiter(message);
        }
      });
      child.on("exit", (code, signal) => {
        if (code !== 0) state.failure ??= `${options.variant} bench process exited (${code ?? signal})`;
      });
      return state;
    });
    const pool = new BenchProcessPool(options, children);
    await pool.broadcast(
      (processIndex) => ({
        kind: "init",
        variant: options.variant,
        redisUrl: options.redisUrl,
        processIndex,
        processCount: options.processCount,
        consistency: options.consistency ?? "fast",
        replicas: options.replicas ?? 0,
      }),
      "ready",
    );
    return pool;
  }

  /** Runs one round: flows are split across the processes; resolves once every event is committed. */
  async runRound(
    roundId: string,
    flowIds: readonly string[],
    load: ClosedLoadPlan | OpenLoadPlan,
    options: { timeoutMs?: number; redisCpuSeconds?: () => Promise<number> } = {},
  ): Promise<RoundOutcome> {
    const timeoutMs = options.timeoutMs ?? 90_000;
    const count = this.children.length;
    const events = flowIds.length * EVENTS_PER_FLOW;
    for (const state of this.children) state.progress = { committed: 0, sendingDone: false };
    await this.broadcast(
      (index) => ({
        kind: "prepare",
        roundId,
        flowIds: flowIds.filter((_, flowIndex) => flowIndex % count === index),
        load: load.shape === "open" ? { shape: "open", eventsPerSecond: load.eventsPerSecond / count } : load,
      }),
      "prepared",
    );
    const redisCpuAtStart = await options.redisCpuSeconds?.();
    for (const state of this.children) state.child.send({ kind: "go" } satisfies ParentMessage);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.throwOnFailure();
      const committed = this.children.reduce((sum, state) => sum + state.progress.committed, 0);
      if (committed >= events && this.children.every((state) => state.progress.sendingDone)) break;
      if (Date.now() > deadline) throw new Error(`${this.options.variant}: round timed out with ${committed}/${events} events committed`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const redisCpuAtEnd = await options.redisCpuSeconds?.();
    const replies = await this.broadcast(() => ({ kind: "stop" }), "report");
    const reports = replies.map((message) => (message as Extract<ChildMessage, { kind: "report" }>).report);
    const redisCpuMicros = redisCpuAtStart === undefined || redisCpuAtEnd === undefined ? Number.NaN : (redisCpuAtEnd - redisCpuAtStart) * 1e6;
    return summarise(events, reports, redisCpuMicros);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (state) => {
        if (state.child.exitCode !== null || state.child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => state.child.once("exit", () => resolve()));
        state.child.send({ kind: "exit" } satisfies ParentMessage);
        const timer = setTimeout(() => state.child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private throwOnFailure(): void {
    const failed = this.children.find((state) => state.failure !== undefined);
    if (failed) throw new Error(`${this.options.variant}: ${failed.failure}`);
  }

  private async broadcast(message: (processIndex: number) => ParentMessage, reply: ChildMessage["kind"], timeoutMs = 60_000): Promise<ChildMessage[]> {
    const replies = this.children.map(
      (state, index) =>
        new Promise<ChildMessage>((resolve, reject) => {
          const timer = setInterval(() => {
            if (state.failure !== undefined) {
              clearInterval(timer);
              reject(new Error(`${this.options.variant}: ${state.failure}`));
            }
          }, 20).unref();
          const timeout = setTimeout(() => {
            clearInterval(timer);
            reject(new Error(`${this.options.variant}: no "${reply}" within ${timeoutMs} ms`));
          }, timeoutMs).unref();
          state.waiting.set(reply, (answer) => {
            clearInterval(timer);
            clearTimeout(timeout);
            resolve(answer);
          });
          state.child.send(message(index));
        }),
    );
    return Promise.all(replies);
  }
}

function summarise(events: number, reports: readonly RoundReport[], redisCpuMicros: number): RoundOutcome {
  const startedAt = Math.min(...reports.map((report) => report.startedAt));
  const endedAt = Math.max(...reports.map((report) => report.lastCommittedAt));
  const durationMs = endedAt - startedAt;
  return {
    events,
    durationMs,
    eventsPerSecond: (events / durationMs) * 1000,
    processCpuMicrosPerEvent: reports.reduce((sum, report) => sum + report.cpuMicros, 0) / events,
    redisCpuMicrosPerEvent: redisCpuMicros / events,
    ackLatencies: reports.flatMap((report) => report.ackLatencies),
    committedLatencies: reports.flatMap((report) => report.committedLatencies),
  };
}
