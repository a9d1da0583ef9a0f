// The fsmc variant: BenchCall on FlowRuntime, each sender awaiting `send`'s ack, commits observed per event.
import { setTimeout as sleep } from "node:timers/promises";
import { FlowRuntime, type FlowClient } from "../../runtime/index.js";
import { BenchCall, EVENTS_PER_FLOW, benchCallHandlers, benchCallStartContext } from "./bench-call.js";
import type { FlowDriver, FlowDriverFactory } from "./flow-driver.js";

/** Queue sequence 1 is the flow's start event; event `seq` (0-based) of the workload is queue sequence seq + 2. */
const FIRST_EVENT_QUEUE_SEQ = 2;

/** The baselines pipeline automatically (ioredis `enableAutoPipelining`); so does fsmc unless BENCH_FSMC_AUTO_PIPELINING=0. */
const AUTO_PIPELINING = process.env.BENCH_FSMC_AUTO_PIPELINING !== "0";

export const createDriver: FlowDriverFactory = async (options) => {
  const url = new URL(options.redisUrl);
  let runtime: FlowRuntime | undefined;
  let client: FlowClient<typeof BenchCall> | undefined;
  let sentFlows: readonly string[] = [];
  /** Set while a round runs: the runtime's onCommit hook reports through it. */
  let committed: ((flowId: string, seq: number) => void) | undefined;
  const driver: FlowDriver = {
    async prepare(_roundId, flowIds, onCommitted) {
      sentFlows = flowIds;
      committed = onCommitted;
      // The runtime and its timer store define their Lua scripts when constructed, before any
      // command opens an auto-pipeline, so auto-pipelining can be on from the start.
      runtime = new FlowRuntime({
        redis: { host: url.hostname, port: Number(url.port), enableAutoPipelining: AUTO_PIPELINING },
        consistency: options.consistency === "replicated" ? { replicas: options.replicas } : "fast",
        onCommit: ({ flowId, firstSeq, events }) => {
          if (!committed) return;
          for (let queueSeq = firstSeq; queueSeq < firstSeq + events; queueSeq++) {
            if (queueSeq >= FIRST_EVENT_QUEUE_SEQ) committed(flowId, queueSeq - FIRST_EVENT_QUEUE_SEQ);
          }
        },
      });
      client = runtime.register(BenchCall, benchCallHandlers);
      await runtime.start();
      const started = client;
      await Promise.all(flowIds.map((flowId) => started.start(flowId, benchCallStartContext(flowId))));
      // Not timed: wait until every start event is committed, so rounds measure the 20 events only.
      for (;;) {
        const snapshots = await Promise.all(flowIds.map((flowId) => started.get(flowId)));
        if (snapshots.every((snapshot) => snapshot !== undefined && snapshot.version >= 1)) break;
        await sleep(10);
      }
    },
    async send(flowId, _seq, event) {
      if (!client) throw new Error("send before prepare");
      await client.send(flowId, event);
    },
    async finishRound() {
      committed = undefined;
      // Not timed: every flow this process sent to must have applied all its events, in order.
      const reader = client;
      if (reader) {
        const snapshots = await Promise.all(sentFlows.map((flowId) => reader.get(flowId)));
        const wrong = snapshots.findIndex((snapshot) => snapshot?.state !== "Ended" || snapshot.context.holds !== EVENTS_PER_FLOW / 2 - 1);
        if (wrong >= 0) throw new Error(`fsmc: flow ${sentFlows[wrong]} ended as ${JSON.stringify(snapshots[wrong])}`);
      }
      await runtime?.close();
      runtime = undefined;
      client = undefined;
    },
    async close() {
      await runtime?.close();
    },
  };
  return driver;
};
