// `fsmc flows dlq`: a flow's dead letters, read, replayed through the ordinary enqueue, or purged.
import type { Cluster, Redis } from "ioredis";

import { FLOW_FIELDS } from "./flow-hash.js";
import { keySpaceOf, pendingMember, pendingShard } from "./keys.js";
import { queueEvent, type EventRecord } from "./scripts.js";

/** A dead-lettered event as the runtime stores it: the queue record, the last error and the attempts made. */
export interface DeadLetter extends EventRecord {
  /** The last attempt's error message. */
  error: string;
  /** Its FlowRuntimeError code, or HANDLER_FAILED. */
  code: string;
  /** Attempts made before it was dead-lettered. */
  attempts: number;
  /** The state the flow was in. */
  state: string;
  /** A deadline whose handlers kept failing: the flow ended through it without them. */
  forced?: boolean;
}

export interface DeadLetterOptions {
  /** The runtimes' keyPrefix (the `keyPrefix` of their ioredis options); default none. */
  keyPrefix?: string;
}

export interface DeadLetterList {
  machine: string;
  flowId: string;
  /** Whether the flow's state hash exists (an ended flow's dead letters expire with it). */
  exists: boolean;
  status?: "active" | "ended";
  /** Oldest first; number n of `replayDeadLetter` and `purgeDeadLetters` is the (n-1)th. */
  deadLetters: DeadLetter[];
}

type OpsRedis = Redis | Cluster;

/** The flow's dead letters, oldest first, with whether the flow exists and is active. */
export async function listDeadLetters(redis: OpsRedis, machine: string, flowId: string, options: DeadLetterOptions = {}): Promise<DeadLetterList> {
  const keys = keySpaceOf([redis as Redis], options.keyPrefix, "listDeadLetters option keyPrefix").flow(machine, flowId);
  const [[state, ended], records] = await Promise.all([redis.hmget(keys.state, FLOW_FIELDS.state, FLOW_FIELDS.ended), redis.lrange(keys.deadLetters, 0, -1)]);
  return {
    machine,
    flowId,
    exists: state !== null,
    ...(state !== null ? { status: ended === null ? ("active" as const) : ("ended" as const) } : {}),
    deadLetters: records.map((r) => JSON.parse(r) as DeadLetter),
  };
}

export interface ReplayOptions extends DeadLetterOptions {
  /** Shards of the pending index, as the runtimes have it (their pendingShards option; default 8). */
  pendingShards?: number;
  /** The runtimes' idempotencyWindowMs: how long the replay's event id is remembered (default one day). */
  idempotencyWindowMs?: number;
  /** The runtimes' idempotencyMaxIds (default 1 000). */
  idempotencyMaxIds?: number;
}

export type ReplayResult =
  | { kind: "replayed"; n: number; eventId: string; seq: number; deadLetter: DeadLetter }
  /** Queued by an earlier replay that did not get to remove it (or a concurrent one): removed now, not queued twice. */
  | { kind: "already-replayed"; n: number; eventId: string; deadLetter: DeadLetter }
  | { kind: "refused"; reason: string };

/** The event id of a replay: the dead letter's own id (without an earlier replay's suffix), `#replay-`, and its queue seq (unique in the flow). */
export function replayEventId(deadLetter: Pick<EventRecord, "id" | "seq">): string {
  return `${deadLetter.id.replace(/#replay-\d+$/, "")}#replay-${deadLetter.seq}`;
}

/**
 * Puts dead letter `n` (1-based, oldest first, as `listDeadLetters` lists them) back at the end of
 * the flow's queue through the same enqueue script a `send` runs, adds the flow to the pending index
 * (a running runtime's sweeper takes it from there, as after `fsmc flows migrate`), and only then
 * removes that exact record from the dead letters. The event gets a new id, `replayEventId`: the
 * original id is in the flow's remembered ids, where the enqueue would drop it as a retry; the new
 * one is the same for every replay of the same dead letter, so a replay that stopped before removing
 * the record, run again, finds it remembered and only removes the record. An ended flow (or one that
 * no longer exists) takes no events: the replay is refused and the dead letter stays.
 */
export async function replayDeadLetter(redis: OpsRedis, machine: string, flowId: string, n: number, options: ReplayOptions = {}): Promise<ReplayResult> {
  const space = keySpaceOf([redis as Redis], options.keyPrefix, "replayDeadLetter option keyPrefix");
  const keys = space.flow(machine, flowId);
  const records = await redis.lrange(keys.deadLetters, 0, -1);
  const raw = records[n - 1];
  if (!Number.isInteger(n) || n < 1 || raw === undefined) {
    return { kind: "refused", reason: `flow ${machine}/${flowId} has no dead letter ${n} (it has ${records.length})` };
  }
  const deadLetter = JSON.parse(raw) as DeadLetter;
  const eventId = replayEventId(deadLetter);
  const reply = await queueEvent(
    redis,
    keys,
    eventId,
    JSON.stringify(deadLetter.event),
    options.idempotencyWindowMs ?? 24 * 60 * 60 * 1000,
    options.idempotencyMaxIds ?? 1_000,
  );
  if (reply.kind === "closed")
    return { kind: "refused", reason: `flow ${machine}/${flowId} has ended: it takes no events, so its dead letters cannot be replayed` };
  if (reply.kind === "unknown") return { kind: "refused", reason: `flow ${machine}/${flowId} does not exist (never started, or expired after it ended)` };
  if (reply.kind !== "queued" && reply.kind !== "duplicate") return { kind: "refused", reason: `the enqueue answered ${reply.kind}` };
  // Listed after it is queued, eligible for the sweeper at once (as migrate-flows.ts does).
  await redis.zadd(space.pending(pendingShard(machine, flowId, options.pendingShards ?? 8)), 0, pendingMember(machine, flowId));
  await redis.lrem(keys.deadLetters, 1, raw);
  return reply.kind === "queued" ? { kind: "replayed", n, eventId, seq: reply.seq, deadLetter } : { kind: "already-replayed", n, eventId, deadLetter };
}

/** Deletes the flow's dead letters: all of them, or only number `n` (1-based, as listed). Returns how many went. */
export async function purgeDeadLetters(redis: OpsRedis, machine: string, flowId: string, n?: number, options: DeadLetterOptions = {}): Promise<number> {
  const keys = keySpaceOf([redis as Redis], options.keyPrefix, "purgeDeadLetters option keyPrefix").flow(machine, flowId);
  if (n === undefined) {
    const replies = await redis.multi().llen(keys.deadLetters).del(keys.deadLetters).exec();
    const [error, count] = replies?.[0] ?? [new Error("the transaction was discarded"), 0];
    if (error) throw error;
    return Number(count);
  }
  if (!Number.isInteger(n) || n < 1) return 0;
  const [raw] = await redis.lrange(keys.deadLetters, n - 1, n - 1);
  // By value: a dead letter added or trimmed meanwhile moves the others, never this record's text (its seq is unique).
  return raw === undefined ? 0 : redis.lrem(keys.deadLetters, 1, raw);
}
