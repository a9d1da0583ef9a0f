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

/* The pending index's keys and members; pending-index.ts says how the index is kept. */

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
