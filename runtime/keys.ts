// The Redis key names of one flow (all sharing one hash tag) and of the pending index, the key space a prefix puts them in, and flow id validation.
import { definitionsKey } from "./definition-store.js";
import { ConfigurationError, InvalidFlowIdError } from "./errors.js";
import { runnersKey } from "./runners.js";
import { timerShardKey } from "./timers/member.js";

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

/** The keys of one flow; `prefix` is that of its key space (KeySpace.flow). */
export function flowKeys(machine: string, flowId: string, prefix = ""): FlowKeys {
  const base = `${prefix}fsm:{${machine}:${flowId}}`;
  return { state: `${base}:s`, queue: `${base}:q`, lock: `${base}:lock`, seen: `${base}:seen`, deadLetters: `${base}:dlq` };
}

/**
 * Where the runtime's keys live: every key it builds starts with `prefix` ("" by default), the
 * `keyPrefix` of its ioredis options. ioredis never prefixes anything itself (connection.ts takes
 * the option out of the clients it opens: commands sent as built and SCAN patterns would bypass
 * it), so the runtime puts the prefix in front of each key it names, and Lua scripts get their
 * keys (KEYS) from it. A prefix has no braces, so every key keeps its hash tag. One per runtime
 * (or operation), made from its options: runtimes with different prefixes share a process.
 */
export class KeySpace {
  readonly prefix: string;

  /** `option` names where the prefix came from, for the ConfigurationError of one that is not a string or holds a brace. */
  constructor(prefix: unknown = "", option = "keyPrefix") {
    this.prefix = keyPrefixOption(prefix, option);
  }

  /** `name` (a key name as the functions of this module and its neighbours build it) in this key space. */
  key(name: string): string {
    return this.prefix + name;
  }

  flow(machine: string, flowId: string): FlowKeys {
    return flowKeys(machine, flowId, this.prefix);
  }

  pending(shard: number): string {
    return this.prefix + pendingKey(shard);
  }

  timers(machine: string, shard: number): string {
    return this.prefix + timerShardKey(machine, shard);
  }

  definitions(machine: string): string {
    return this.prefix + definitionsKey(machine);
  }

  runners(machine: string): string {
    return this.prefix + runnersKey(machine);
  }

  /** A SCAN MATCH (or ACL key) pattern: the prefix, its glob characters escaped, then `pattern`. */
  pattern(pattern: string): string {
    return this.prefix.replace(/[*?[\]\\]/g, "\\$&") + pattern;
  }

  /** A key found in Redis without the prefix; undefined for a key outside this key space. */
  local(key: string): string | undefined {
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : undefined;
  }
}

/** The runtime's keys with no prefix. */
export const UNPREFIXED = new KeySpace();

/**
 * The key space of an operation on a client it is given (`listStuckFlows`, `inspectFlow`, …): its
 * `keyPrefix` option. A client that prefixes keys itself is refused, since SCAN patterns and the
 * commands the runtime sends as built would bypass its prefix.
 */
export function keySpaceOf(clients: readonly { options?: { keyPrefix?: unknown } }[], keyPrefix: unknown, option: string): KeySpace {
  for (const client of clients) {
    const own = client.options?.keyPrefix;
    if (own !== undefined && own !== null && own !== "") {
      throw new ConfigurationError(
        `${option}: an ioredis client given has its own keyPrefix ${JSON.stringify(String(own))}; give clients without one, and the prefix as keyPrefix`,
      );
    }
  }
  return new KeySpace(keyPrefix, option);
}

/** A `keyPrefix` option as the key space takes it ("" for none); ConfigurationError naming `option` otherwise. */
export function keyPrefixOption(value: unknown, option: string): string {
  if (value === undefined || value === null || value === "") return "";
  if (typeof value !== "string") throw new ConfigurationError(`${option} must be a string, got ${Buffer.isBuffer(value) ? "a Buffer" : typeof value}`);
  if (/[{}]/.test(value))
    throw new ConfigurationError(`${option} must not contain '{' or '}' (they would change the hash tags of the runtime's keys), got ${JSON.stringify(value)}`);
  return value;
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
