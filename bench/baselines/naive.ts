// Baseline "naive": the hand-written pattern — per event, Redlock acquire, GET state, transition, SET state, release.
import { Redis } from "ioredis";
import Redlock from "redlock";
import { EVENTS_PER_FLOW, benchCallStartContext } from "../support/bench-call.js";
import { applyBenchCallEvent, initialBenchCallRecord, type BenchCallRecord } from "../support/bench-call-transition.js";
import type { CommittedListener, FlowDriver, FlowDriverFactory } from "../support/flow-driver.js";

const LOCK_TTL_MS = 5_000;

export const createDriver: FlowDriverFactory = async (options) => {
  const redis = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const redlock = new Redlock([redis], { retryCount: 100, retryDelay: 10, retryJitter: 10 });
  // Redlock emits "error" on every failed attempt, contention included.
  redlock.on("error", () => {});
  let committed: CommittedListener | undefined;
  let sentFlows: readonly string[] = [];
  const stateKey = (flowId: string) => `naive:{${flowId}}:s`;
  const driver: FlowDriver = {
    async prepare(_roundId, flowIds, onCommitted) {
      committed = onCommitted;
      sentFlows = flowIds;
      const pipeline = redis.pipeline();
      for (const flowId of flowIds) pipeline.set(stateKey(flowId), JSON.stringify(initialBenchCallRecord(benchCallStartContext(flowId))));
      await pipeline.exec();
    },
    async send(flowId, seq, event) {
      const lock = await redlock.acquire([`naive:{${flowId}}:lock`], LOCK_TTL_MS);
      try {
        const stored = await redis.get(stateKey(flowId));
        if (stored === null) throw new Error(`unknown flow ${flowId}`);
        const { record, applied } = applyBenchCallEvent(JSON.parse(stored) as BenchCallRecord, event);
        if (!applied) throw new Error(`${flowId}: ${event.type} not applicable in ${record.state}`);
        await redis.set(stateKey(flowId), JSON.stringify(record));
      } finally {
        await lock.release();
      }
      committed?.(flowId, seq);
    },
    async finishRound() {
      committed = undefined;
      // Not timed: every flow must have applied all its events.
      const stored = await Promise.all(sentFlows.map((flowId) => redis.get(stateKey(flowId))));
      const wrong = stored.findIndex((text) => {
        const record = text === null ? undefined : (JSON.parse(text) as BenchCallRecord);
        return record?.state !== "Ended" || record.version !== EVENTS_PER_FLOW;
      });
      if (wrong >= 0) throw new Error(`naive: flow ${sentFlows[wrong]} ended as ${stored[wrong]}`);
    },
    async close() {
      await redis.quit();
    },
  };
  return driver;
};
