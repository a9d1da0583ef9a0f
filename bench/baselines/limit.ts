// Baseline "limit": two pipelined EVALSHA calls of a trivial script per event (one as the ack, one as the commit).
import { Redis } from "ioredis";
import type { FlowDriver, FlowDriverFactory } from "../support/flow-driver.js";

// The fewest round trips an event can cost end to end: one to enqueue it, one to commit it.
const TRIVIAL_SCRIPT = "return 1";

export const createDriver: FlowDriverFactory = async (options) => {
  const redis = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const sha = (await redis.script("LOAD", TRIVIAL_SCRIPT)) as string;
  let committed: ((flowId: string, seq: number) => void) | undefined;
  const driver: FlowDriver = {
    async prepare(_roundId, _flowIds, onCommitted) {
      committed = onCommitted;
    },
    async send(flowId, seq) {
      await redis.evalsha(sha, 1, `limit:{${flowId}}:q`);
      void redis.evalsha(sha, 1, `limit:{${flowId}}:s`).then(() => committed?.(flowId, seq));
    },
    async finishRound() {
      committed = undefined;
    },
    async close() {
      await redis.quit();
    },
  };
  return driver;
};
