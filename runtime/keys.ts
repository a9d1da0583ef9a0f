// The Redis key names of one flow (all sharing one hash tag) and of the pending index, and flow id validation.
import { InvalidFlowIdError } from "./errors.js";

export const MAX_FLOW_ID_LENGTH = 200;

export interface FlowKeys {
  /** Hash: state, context, version, machine version, epoch, queue seq, timestamps, packed timers and deadline, ended (one-letter fields: flow-hash.ts). */
  state: string;
  /** List of JSON event records `{ seq, id, at, event }`, oldest first. */
  queue: string;
  /** The processor lock (single-instance mode; in Redlock mode the same name on the lock servers). */
  lock: string;
  /** Sorted set of recent explicit event ids (score: enqueue time), for idempotent retries. */
  seen: string;
  /** List of dead-lettered event records with their last error. */
  deadLetters: string;
}

export function flowKeys(machine: string, flowId: string): FlowKeys {
  const base = `fsm:{${machine}:${flowId}}`;
  return { state: `${base}:s`, queue: `${base}:q`, lock: `${base}:lock`, seen: `${base}:seen`, deadLetters: `${base}:dlq` };
}

/** Throws InvalidFlowIdError unless the id can sit inside a hash tag and a timer member unharmed. */
export function assertFlowId(flowId: unknown): asserts flowId is string {
  if (typeof flowId !== "string") throw new InvalidFlowIdError(flowId, "must be a string");
  if (flowId.length === 0) throw new InvalidFlowIdError(flowId, "must not be empty");
  if (flowId.length > MAX_FLOW_ID_LENGTH) throw new InvalidFlowIdError(flowId, `must be at most ${MAX_FLOW_ID_LENGTH} characters`);
  if (/[{}]/.test(flowId)) throw new InvalidFlowIdError(flowId, "must not contain '{' or '}' (they would break the key's hash tag)");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(flowId)) throw new InvalidFlowIdError(flowId, "must not contain control characters");
}

/*
 * The pending index. enqueue.lua touches only the flow's own slot (so it runs unchanged on Redis
 * Cluster), so the flow is added to `fsm:pending:{<shard>}` by a separate ZADD sent just before
 * the enqueue on the same connection (same round trip). The score is the sender's clock in ms.
 *
 * The sweeper looks only at entries older than half a sweep interval (`pendingEligibleMs`): a
 * younger one belongs to a flow that just had an event, whose owner is alive or whose lock has
 * not expired yet, so claiming it would only cost Redis work. It takes over a listed flow whose
 * queue has events and whose lock is free, and removes an entry only once the flow's queue was
 * seen empty, only if the entry is older than one sweep interval (a younger one may belong to an
 * enqueue still on its way), and only if its score is still the one it read (pending-remove.lua),
 * so an enqueue racing with the removal keeps it. Stale entries are harmless.
 *
 * Two refinements keep the index off the hot path without losing a flow:
 * - A process that drains skips the ZADD while its own last ZADD of the flow is younger than a
 *   quarter interval. The entry it added then cannot be removed before it is one interval old,
 *   so the skipped enqueue lands while the entry is still there; if the enqueue took longer than
 *   that quarter to come back, the process adds the entry again.
 * - A process that does not drain (not started) scores its entry half an interval in the past: a
 *   flow it keeps feeding is still eligible at once (it must not starve), and the entry is still
 *   only removable half an interval after it was added.
 * Clocks of the processes must agree to well within a quarter of the sweep interval.
 */
/** How old a pending entry must be before the sweeper looks at it. */
export function pendingEligibleMs(sweepIntervalMs: number): number {
  return Math.floor(sweepIntervalMs / 2);
}

export const DEFAULT_PENDING_SHARDS = 8;

export function pendingShard(machine: string, flowId: string, shards: number): number {
  let hash = 0x811c9dc5;
  const text = `${machine}:${flowId}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export function pendingKey(shard: number): string {
  return `fsm:pending:{${shard}}`;
}

/** Machine names are identifiers, so the first ':' separates machine from flow id. */
export function pendingMember(machine: string, flowId: string): string {
  return `${machine}:${flowId}`;
}

export function parsePendingMember(member: string): { machine: string; flowId: string } | undefined {
  const colon = member.indexOf(":");
  if (colon <= 0) return undefined;
  return { machine: member.slice(0, colon), flowId: member.slice(colon + 1) };
}
