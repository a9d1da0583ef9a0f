// The fsmc variant: BenchCall on FlowRuntime, each sender awaiting `send`'s ack, commits observed per event.
import { setTimeout as sleep } from "node:timers/promises";
import { FlowRuntime, type FlowClient } from "../../runtime/index.js";
import { BenchCall, EVENTS_PER_FLOW, benchCallHandlers, benchCallStartContext } from "./bench-call.js";
import { connectionsWithFlowScripts, observeFsmcCommits } from "./fsmc-commit-observer.js";
import type { FlowDriver, FlowDriverFactory } from "./flow-driver.js";

/** Queue sequence 1 is the flow's start event; event `seq` (0-based) of the workload is queue sequence seq + 2. */
const FIRST_EVENT_QUEUE_SEQ = 2;

/** The baselines pipeline automatically (ioredis `enableAutoPipelining`); so does fsmc unless BENCH_FSMC_AUTO_PIPELINING=0. */
const AUTO_PIPELINING = process.env.BENCH_FSMC_AUTO_PIPELINING !== "0";

function flowIdOfStateKey(stateKey: string): string {
  // fsm:{<machine>:<flowId>}:s
  return stateKey.slice(stateKey.indexOf(":", stateKey.indexOf("{")) + 1, stateKey.lastIndexOf("}"));
}

export const createDriver: FlowDriverFactory = async (options) => {
  const url = new URL(options.redisUrl);
  let runtime: FlowRuntime | undefined;
  let client: FlowClient<typeof BenchCall> | undefined;
  let sentFlows: readonly string[] = [];
  const driver: FlowDriver = {
    async prepare(roundId, flowIds, onCommitted) {
      sentFlows = flowIds;
      const warmUpFlowId = `${roundId}-warm-up-${options.processIndex}`;
      let warmUpCommitted = false;
      observeFsmcCommits((stateKey, firstSeq, count) => {
        const flowId = flowIdOfStateKey(stateKey);
        if (flowId === warmUpFlowId) warmUpCommitted = true;
        for (let queueSeq = firstSeq; queueSeq < firstSeq + count; queueSeq++) {
          if (queueSeq >= FIRST_EVENT_QUEUE_SEQ) onCommitted(flowId, queueSeq - FIRST_EVENT_QUEUE_SEQ);
        }
      });
      runtime = new FlowRuntime({
        redis: { host: url.hostname, port: Number(url.port), enableAutoPipelining: false },
        consistency: options.consistency === "replicated" ? { replicas: options.replicas } : "fast",
      });
      client = runtime.register(BenchCall, benchCallHandlers);
      await runtime.start();
      const started = client;
      // One start with auto-pipelining off makes the runtime define its scripts; then switch it on
      // (see connectionsWithFlowScripts for why not from the start).
      await started.start(warmUpFlowId, benchCallStartContext(warmUpFlowId));
      // The timer service defines its scripts at its first poll (every 50 ms).
      await sleep(200);
      for (let waited = 0; !warmUpCommitted; waited += 20) {
        if (waited > 5_000) throw new Error("fsmc: no commit observed for the warm-up flow; did the arguments of runtime/lua/commit.lua change?");
        await sleep(20);
      }
      for (const redis of connectionsWithFlowScripts()) redis.options.enableAutoPipelining = AUTO_PIPELINING;
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
      observeFsmcCommits(undefined);
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
