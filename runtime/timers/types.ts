// The data shapes of durable timers: what the runtime asks to arm and what the timer service hands back.
import type { Cluster, Redis } from "ioredis";

import type { KeySpace } from "../keys.js";

/** A standalone ioredis client or a Cluster client; every timer script touches one key, so both work. */
export type TimerRedis = Redis | Cluster;

export type TimerKind = "timer" | "deadline";

/** One timer to arm when a state is entered (or the deadline, at start). */
export interface TimerSpec {
  /** Timer id from the definition (e.g. "Greeting/10s"), or "deadline". */
  id: string;
  /** The state whose entry armed it ("" for the deadline, which belongs to no state). */
  state: string;
  ms: number;
  kind: TimerKind;
}

/** A timer as stored: what the commit records in the flow hash so it can cancel it later. */
export interface ArmedTimer {
  /**
   * Timer id from the definition, or "deadline". Read back from a flow hash without naming the
   * state (`unpack` without `state`), a timer's id relative to its state (`timerIdIn`): enough to cancel it.
   */
  id: string;
  /**
   * Due time in ms since the epoch, from Redis TIME. Absent for a timer read back from the flow
   * hash, which keeps the due time of the deadline only (the watchdog needs it); a timer's is its score in `key`.
   */
  due?: number;
  /** The sorted-set member; with `key` it names the stored timer exactly. */
  member: string;
  /** The sorted set holding it: `fsm:timers:{<machine>:<shard>}`. */
  key: string;
  shard: number;
  kind: TimerKind;
}

/**
 * A timer that came due and was claimed by this process. Its member names the flow, the state
 * entry that armed it and the timer relative to that entry's state, nothing more: the flow reads
 * the state (and from the definition the timer's ms) back when it applies the timer's event.
 */
export interface DueTimer {
  machine: string;
  flowId: string;
  kind: TimerKind;
  /** The timer's id relative to the state that armed it (`timerIdIn` gives the whole id in that state); "" for the deadline. */
  timer: string;
  /** The entry token of the state entry that armed it; the timer applies only while it still matches. */
  entry: string;
  /** The member's score when claimed, ms (Redis clock): its due time, or the end of an earlier claim's lease that ran out. */
  due: number;
  member: string;
  key: string;
  shard: number;
}

export interface TimerStoreOptions {
  /** Number of `fsm:timers:{<machine>:<shard>}` sorted sets per machine. Every process of one deployment must use the same. */
  shards?: number;
  /** Machines whose shards this process's timer service claims from (FlowRuntime adds each machine it registers). */
  machines?: readonly string[];
  /** The key space of the shards (the runtime's keyPrefix); default: no prefix. */
  keys?: KeySpace;
}

export interface TimerServiceOptions {
  /** Longest wait between two claims of one shard, in ms. */
  pollMs?: number;
  /** How long a claimed timer stays invisible to other processes before it is due again, in ms. */
  leaseMs?: number;
  /**
   * Least time between two claims of one shard unless the last one came back full, in ms: under a
   * steady stream of due timers it gathers a few per claim instead of one claim per timer, at the
   * price of at most this much lateness.
   */
  minGapMs?: number;
  /** Most timers claimed from one shard in one round trip. */
  batch?: number;
  /** Most deliveries in flight in this process; claiming pauses above it. */
  maxInFlight?: number;
  /** Told about failed claims (Redis away: the service keeps polling with backoff), deliveries and acks. */
  onError?: (error: unknown, context: { operation: "claim" | "deliver" | "ack"; shard: number; key?: string; timer?: DueTimer }) => void;
}
