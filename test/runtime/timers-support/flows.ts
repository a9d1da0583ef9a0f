// Writes flow records in the runtime's key layout (runtime/keys.ts), for watchdog tests that need a flow in a given stuck shape.
import type { Redis } from "ioredis";
import { FLOW_FIELDS as F } from "../../../runtime/flow-hash.js";
import type { ArmedTimer, TimerStore } from "../../../runtime/timers/index.js";

export interface SeedFlow {
  machine: string;
  flowId: string;
  state?: string;
  status?: "active" | "ended";
  /** Arms a deadline this many ms from now and records it in the flow hash, as `start` does. */
  deadlineMs?: number;
  /** Queues one event enqueued this long ago. */
  queuedAgoMs?: number;
  locked?: boolean;
  deadLetters?: unknown[];
}

export async function seedFlow(redis: Redis, store: TimerStore, flow: SeedFlow): Promise<{ deadline: ArmedTimer }> {
  const base = `fsm:{${flow.machine}:${flow.flowId}}`;
  const [seconds, micros] = await redis.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const [deadline] = await store.arm(flow.machine, flow.flowId, "1.0", [{ id: "deadline", state: "", ms: flow.deadlineMs ?? 3_600_000, kind: "deadline" }]);
  const fields: Record<string, string | number> = {
    [F.state]: flow.state ?? "Ringing",
    [F.ctx]: "{}",
    [F.version]: 1,
    [F.created]: now,
    [F.updated]: 0,
    [F.epoch]: 1,
    [F.lastSeq]: 1,
    [F.timers]: "1.1",
  };
  if (flow.status === "ended") fields[F.ended] = 1;
  if (flow.deadlineMs !== undefined) fields[F.deadline] = store.pack([deadline!]);
  await redis.hset(`${base}:s`, fields);
  if (flow.queuedAgoMs !== undefined)
    await redis.rpush(`${base}:q`, JSON.stringify({ seq: 2, id: "", at: now - flow.queuedAgoMs, event: { type: "Answered" } }));
  if (flow.locked) await redis.set(`${base}:lock`, "owner", "PX", 30_000);
  if (flow.deadLetters) await redis.rpush(`${base}:dlq`, ...flow.deadLetters.map((d) => JSON.stringify(d)));
  return { deadline: deadline! };
}
