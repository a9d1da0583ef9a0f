// A flow's timers in its machine's shard: their members, arming them (in the commit that enters their state, or just before it on a Cluster) and cancelling them.
import { UNPREFIXED, type KeySpace } from "../keys.js";
import { assertTimerMachine, memberOf, timerShard } from "./member.js";
import { packArmed, unpackArmed } from "./packed.js";
import { ackTimers, armTimers, defineTimerScripts } from "./scripts.js";
import type { ArmedTimer, TimerRedis, TimerSpec, TimerStoreOptions } from "./types.js";

/**
 * Per machine. Every shard of every registered machine is claimed once per `timerPollMs` while idle,
 * so shards cost Redis work in proportion to machines × shards × processes even with no timer due;
 * four spread a machine's timers over four slots of a Cluster and keep claims parallel across
 * processes, and a machine with a heavy timer load can be given more.
 */
export const DEFAULT_TIMER_SHARDS = 4;

/** One sorted set the timer service claims from. */
export interface TimerShardRef {
  key: string;
  machine: string;
  shard: number;
}

type ArmedListener = (key: string, ms: number) => void;

export class TimerStore {
  readonly shards: number;
  /** The key space of the shards (the runtime's keyPrefix). */
  readonly keys: KeySpace;
  private readonly armedListeners = new Set<ArmedListener>();
  private readonly machines = new Set<string>();
  private refs: readonly TimerShardRef[] = [];

  constructor(
    readonly redis: TimerRedis,
    options: TimerStoreOptions = {},
  ) {
    this.shards = options.shards ?? DEFAULT_TIMER_SHARDS;
    this.keys = options.keys ?? UNPREFIXED;
    if (!Number.isInteger(this.shards) || this.shards < 1) throw new RangeError(`shards must be a positive integer, got ${this.shards}`);
    for (const machine of options.machines ?? []) this.addMachine(machine);
    defineTimerScripts(redis);
  }

  /**
   * Makes this process's timer service claim the machine's shards. Shards are per machine (the
   * member then need not name it), so a process delivers the timers of the machines it knows —
   * the ones it registered, and any it armed timers for — and only those.
   */
  addMachine(machine: string): void {
    if (this.machines.has(machine)) return;
    assertTimerMachine(machine);
    this.machines.add(machine);
    const refs = [...this.refs];
    for (let shard = 0; shard < this.shards; shard++) refs.push({ key: this.keys.timers(machine, shard), machine, shard });
    this.refs = refs;
  }

  /** Every shard of every machine this process knows, in the order they were added. */
  get shardRefs(): readonly TimerShardRef[] {
    return this.refs;
  }

  /** The shard of a flow: all its timers live there, so arming them is one script on one key. */
  shardOf(machine: string, flowId: string): number {
    return timerShard(machine, flowId, this.shards);
  }

  /** The sorted set holding a flow's timers. */
  keyOf(machine: string, flowId: string): string {
    return this.keys.timers(machine, this.shardOf(machine, flowId));
  }

  /**
   * The members and shard of timers to arm under `entry`, without arming them: for a commit that
   * arms them itself, atomically with entering their state (standalone Redis: commit.lua). Tells
   * the local timer service, as `arm` does, so a timer due before its next poll wakes it early.
   */
  plan(machine: string, flowId: string, entry: string, timers: readonly TimerSpec[]): ArmedTimer[] {
    if (timers.length === 0) return [];
    for (const timer of timers) {
      if (!Number.isFinite(timer.ms) || timer.ms < 0) throw new RangeError(`timer ${timer.id}: ms must be a non-negative number, got ${timer.ms}`);
    }
    this.addMachine(machine);
    const shard = this.shardOf(machine, flowId);
    const key = this.keys.timers(machine, shard);
    const soonest = Math.min(...timers.map((t) => t.ms));
    for (const listener of this.armedListeners) listener(key, soonest);
    return timers.map((spec) => ({ id: spec.id, member: memberOf(flowId, entry, spec), key, shard, kind: spec.kind }));
  }

  /**
   * ZADDs the timers into the flow's shard with due = Redis TIME + ms, in a script of their own:
   * on a Redis Cluster, where the shard is another slot than the flow's, this runs before the
   * commit that enters the state; if that commit is refused, the entry token in each member no
   * longer matches the flow and the timer is dropped when applied.
   */
  async arm(machine: string, flowId: string, entry: string, timers: TimerSpec[]): Promise<ArmedTimer[]> {
    const planned = this.plan(machine, flowId, entry, timers);
    if (planned.length === 0) return [];
    const dues = await armTimers(
      this.redis,
      planned[0]!.key,
      timers.map((spec, i) => ({ member: planned[i]!.member, ms: Math.round(spec.ms) })),
    );
    return planned.map((timer, i) => ({ ...timer, due: dues[i]! }));
  }

  /** The armed timers of one state entry as a short string for the flow hash (see packed.ts for why not JSON). */
  pack(armed: readonly ArmedTimer[]): string {
    return packArmed(armed);
  }

  /** The armed timers a flow hash recorded with `pack`, ready for `cancel`; with the hash's `state`, with whole ids. */
  unpack(machine: string, flowId: string, packed: string, state?: string): ArmedTimer[] {
    return unpackArmed(this.keys, machine, flowId, packed, this.shards, state);
  }

  /** Tells the local timer service about a new timer, so one due before its next poll wakes it early. */
  watchArmed(listener: ArmedListener): () => void {
    this.armedListeners.add(listener);
    return () => this.armedListeners.delete(listener);
  }

  /** Removes timers of a state that was left. Best effort: a timer left behind is dropped when applied. */
  async cancel(armed: ArmedTimer[]): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const timer of armed) {
      const members = byKey.get(timer.key) ?? [];
      members.push(timer.member);
      byKey.set(timer.key, members);
    }
    await Promise.all([...byKey].map(([key, members]) => ackTimers(this.redis, key, members)));
  }
}
