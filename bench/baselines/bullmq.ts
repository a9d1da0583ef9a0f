// Baseline "bullmq": a BullMQ queue per round, job = event, workers doing GET state, transition, SET state per job.
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { BenchCallEvent } from "../support/bench-call.js";
import { benchCallStartContext } from "../support/bench-call.js";
import { applyBenchCallEvent, initialBenchCallRecord, type BenchCallRecord } from "../support/bench-call-transition.js";
import type { CommittedListener, FlowDriver, FlowDriverFactory } from "../support/flow-driver.js";

/** Jobs each process's worker runs at once; BullMQ gives no per-flow order, so this is free to be wide. */
export const BULLMQ_WORKER_CONCURRENCY = Number(process.env.BENCH_BULLMQ_CONCURRENCY ?? 100);

interface EventJob {
  readonly flowId: string;
  readonly seq: number;
  readonly event: BenchCallEvent;
}

export const createDriver: FlowDriverFactory = async (options) => {
  const url = new URL(options.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const redis = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const stateKey = (flowId: string) => `bullmq-bench:{${flowId}}:s`;
  let queue: Queue<EventJob> | undefined;
  let worker: Worker<EventJob> | undefined;
  /** Jobs whose event did not apply because an earlier event of the same flow had not been processed yet. */
  let outOfOrder = 0;

  const applyJob = async (job: Job<EventJob>) => {
    const { flowId, event } = job.data;
    const stored = await redis.get(stateKey(flowId));
    if (stored === null) throw new Error(`unknown flow ${flowId}`);
    const { record, applied } = applyBenchCallEvent(JSON.parse(stored) as BenchCallRecord, event);
    if (!applied) outOfOrder += 1;
    else await redis.set(stateKey(flowId), JSON.stringify(record));
  };

  const driver: FlowDriver = {
    async prepare(roundId, flowIds, onCommitted: CommittedListener) {
      const name = `bench-${roundId}`;
      outOfOrder = 0;
      const pipeline = redis.pipeline();
      for (const flowId of flowIds) pipeline.set(stateKey(flowId), JSON.stringify(initialBenchCallRecord(benchCallStartContext(flowId))));
      await pipeline.exec();
      queue = new Queue<EventJob>(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
      worker = new Worker<EventJob>(name, applyJob, { connection, concurrency: BULLMQ_WORKER_CONCURRENCY });
      worker.on("completed", (job) => onCommitted(job.data.flowId, job.data.seq));
      worker.on("error", () => {});
      await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    },
    async send(flowId, seq, event) {
      if (!queue) throw new Error("send before prepare");
      await queue.add(event.type, { flowId, seq, event });
    },
    async finishRound() {
      await worker?.close();
      await queue?.close();
      if (outOfOrder > 0) console.error(`bullmq: ${outOfOrder} events arrived before their flow's previous event was processed (not applied)`);
      worker = undefined;
      queue = undefined;
    },
    async close() {
      await redis.quit();
    },
  };
  return driver;
};
