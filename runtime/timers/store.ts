// Arms a flow's timers in its shard before the commit that enters the state, and cancels them after it leaves.
import { memberPrefix, timerShard, timerShardKey } from "./member.js";
import { packArmed, unpackArmed } from "./packed.js";
import { ackTimers, armTimers, defineTimerScripts } from "./scripts.js";
import type { ArmedTimer, TimerRedis, TimerSpec, TimerStoreOptions } from "./types.js";

export const DEFAULT_TIMER_SHARDS = 16;

type ArmedListener = (shard: number, ms: number) => void;

export class TimerStore {
  readonly shards: number;
  private readonly armedListeners = new Set<ArmedListener>();

  constructor(
    readonly redis: TimerRedis,
    options: TimerStoreOptions = {},
  ) {
    this.shards = options.shards ?? DEFAULT_TIMER_SHARDS;
    if (!Number.isInteger(this.shards) || this.shards < 1) throw new RangeError(`shards must be a positive integer, got ${this.shards}`);
    defineTimerScripts(redis);
  }

  /** The shard of a flow: all its timers live there, so arming them is one script on one key. */
  shardOf(machine: string, flowId: string): number {
    return timerShard(machine, flowId, this.shards);
  }

  /**
   * ZADDs the timers into the flow's shard with due = Redis TIME + ms. Called before the commit
   * that enters the state: if that commit is refused, the entry token in each member no longer
   * matches the flow and the timer is dropped when applied.
   */
  async arm(machine: string, flowId: string, entry: string, timers: TimerSpec[]): Promise<ArmedTimer[]> {
    if (timers.length === 0) return [];
    for (const timer of timers) {
      if (!Number.isFinite(timer.ms) || timer.ms < 0) throw new RangeError(`timer ${timer.id}: ms must be a non-negative number, got ${timer.ms}`);
    }
    const shard = this.shardOf(machine, flowId);
    const stored = await armTimers(
      this.redis,
      timerShardKey(shard),
      timers.map((spec) => ({ prefix: memberPrefix(machine, flowId, entry, spec), ms: Math.round(spec.ms) })),
    );
    const soonest = Math.min(...timers.map((t) => t.ms));
    for (const listener of this.armedListeners) listener(shard, soonest);
    return stored.map((s, i) => ({ id: timers[i]!.id, due: s.due, member: s.member, shard, kind: timers[i]!.kind }));
  }

  /** The armed timers of one state entry as a short string for the flow hash (see packed.ts for why not JSON). */
  pack(armed: readonly ArmedTimer[]): string {
    return packArmed(armed);
  }

  /** The armed timers a flow hash recorded with `pack`, ready for `cancel`. */
  unpack(machine: string, flowId: string, packed: string): ArmedTimer[] {
    return unpackArmed(machine, flowId, packed, this.shards);
  }

  /** Tells the local timer service about a new timer, so one due before its next poll wakes it early. */
  watchArmed(listener: ArmedListener): () => void {
    this.armedListeners.add(listener);
    return () => this.armedListeners.delete(listener);
  }

  /** Removes timers of a state that was left. Best effort: a timer left behind is dropped when applied. */
  async cancel(armed: ArmedTimer[]): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const timer of armed) {
      const members = byShard.get(timer.shard) ?? [];
      members.push(timer.member);
      byShard.set(timer.shard, members);
    }
    await Promise.all([...byShard].map(([shard, members]) => ackTimers(this.redis, timerShardKey(shard), members)));
  }
}
