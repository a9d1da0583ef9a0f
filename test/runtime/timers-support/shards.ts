// What is left in the timer shards, and bounded polling, for the timer service tests.
import type { Redis } from "ioredis";

import type { TimerStore } from "../../../runtime/timers/index.js";
import { waitFor } from "../support/wait-for.js";

/** Timers still armed or leased across every shard of every machine `store` knows. */
export async function timersLeft(redis: Redis, store: TimerStore): Promise<number> {
  let total = 0;
  for (const { key } of store.shardRefs) total += await redis.zcard(key);
  return total;
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  await waitFor("the condition", condition, timeoutMs, 5);
}
