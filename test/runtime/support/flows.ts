// Reads many Call flows straight from Redis for assertions about order and completeness.
import type { Redis } from "ioredis";
import { FLOW_FIELDS as F } from "../../../runtime/flow-hash.js";

export interface StoredCall {
  version: number;
  state: string | undefined;
  notes: number[];
  queued: number;
}

export async function readCalls(redis: Redis, flowIds: readonly string[]): Promise<Map<string, StoredCall>> {
  const pipeline = redis.pipeline();
  for (const id of flowIds) {
    pipeline.hmget(`fsm:{Call:${id}}:s`, F.version, F.state, F.ctx);
    pipeline.llen(`fsm:{Call:${id}}:q`);
  }
  const replies = (await pipeline.exec()) ?? [];
  const flows = new Map<string, StoredCall>();
  flowIds.forEach((id, i) => {
    const [version, state, ctx] = (replies[2 * i]?.[1] ?? []) as (string | null)[];
    const queued = Number(replies[2 * i + 1]?.[1] ?? 0);
    flows.set(id, { version: Number(version ?? 0), state: state ?? undefined, notes: (JSON.parse(ctx ?? "{}") as { notes?: number[] }).notes ?? [], queued });
  });
  return flows;
}

/** Runs `work` for every item with at most `limit` running at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
