// The pending index (`fsm:pending:{<shard>}`): the flows that had events, for the sweeper, and the ZADD each sender sends with its enqueue, or may skip.
import type { FlowRedis } from "./connection.js";
import type { ConsistencyMode } from "./deployment.js";
import { sendDirect } from "./direct-command.js";
import { pendingShard, type KeySpace } from "./keys.js";

/*
 * enqueue.lua touches only the flow's own slot (so it runs unchanged on Redis Cluster), so the
 * flow is added to `fsm:pending:{<shard>}` by a separate ZADD sent just before the enqueue on the
 * same connection (same round trip). The score is the sender's clock in ms.
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
 *
 * With consistency `replicated` the ZADD is never skipped: an enqueue answered as a duplicate
 * waits for its WAIT to cover the original event's write, and it is this connection's ZADD, after
 * that write in the replication stream, that makes the WAIT cover it.
 */

/** How old a pending entry must be before the sweeper looks at it. */
export function pendingEligibleMs(sweepIntervalMs: number): number {
  return Math.floor(sweepIntervalMs / 2);
}

/** What this process remembers of its own pending entries, and the ZADDs it sends. */
export class PendingIndex {
  /** Pending member → when this process last added it (its clock, ms). */
  private readonly added = new Map<string, number>();
  /** How long this process counts on an entry it added itself: a quarter of the sweep interval. */
  private readonly refreshMs: number;
  private readonly alwaysAdd: boolean;

  constructor(
    private readonly redis: FlowRedis,
    private readonly keys: KeySpace,
    private readonly options: { sweepIntervalMs: number; shards: number; consistency: ConsistencyMode },
  ) {
    this.refreshMs = Math.floor(options.sweepIntervalMs / 4);
    this.alwaysAdd = options.consistency === "replicated";
  }

  /**
   * Whether an enqueue decided at `now` goes with its ZADD: always from a process that does not
   * drain the flow (`drains` false) and with `replicated`; else unless this process added the
   * flow's entry itself less than a quarter interval ago.
   */
  needsEntry(member: string, drains: boolean, now: number): boolean {
    if (!drains || this.alwaysAdd) return true;
    const added = this.added.get(member);
    return added === undefined || now - added >= this.refreshMs;
  }

  /**
   * After an enqueue that skipped its ZADD at `decidedAt`: true when it took so long to come back
   * that the entry's margin against removal may be used up, and it must be added again.
   */
  outlasted(decidedAt: number, now: number): boolean {
    return now - decidedAt >= this.refreshMs;
  }

  /** The ZADD, scored `now` (half an interval in the past from a process that does not drain the flow). */
  add(name: string, flowId: string, member: string, drains: boolean, now: number): Promise<unknown> {
    const key = this.keys.pending(pendingShard(name, flowId, this.options.shards));
    // Sent directly (never held for an auto-pipeline), so it reaches Redis before the enqueue it goes with.
    if (!drains) return sendDirect(this.redis, "zadd", [key, now - pendingEligibleMs(this.options.sweepIntervalMs), member]);
    // Forgetting is always safe (it only costs a ZADD), so the map is bounded by clearing it.
    if (this.added.size >= 100_000) this.added.clear();
    this.added.set(member, now);
    return sendDirect(this.redis, "zadd", [key, now, member]);
  }

  /** The ZADD may not have happened (the enqueue it went with failed): the next enqueue must not count on it. */
  forget(member: string): void {
    this.added.delete(member);
  }
}
