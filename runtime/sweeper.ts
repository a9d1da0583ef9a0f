// The sweeper: finds flows in the pending index whose queue has events and whose owner is gone, and hands them to the runtime.
import type { FlowRedis } from "./connection.js";

import { parsePendingMember, type KeySpace } from "./keys.js";
import { pendingEligibleMs } from "./pending-index.js";

export interface SweepHost {
  readonly redis: FlowRedis;
  /** Where the pending index lives (the runtime's keyPrefix). */
  readonly keys: KeySpace;
  readonly shards: number;
  readonly intervalMs: number;
  /**
   * Looks at one pending flow: takes it over if its queue has events and no live lock; if it is
   * idle and `removable`, removes the entry (conditionally on `score`).
   */
  sweep(machine: string, flowId: string, key: string, member: string, score: string, removable: boolean): Promise<void>;
  reportError(error: unknown): void;
}

/** Entries looked at per shard and pass; the rest wait for the next pass. */
const PER_SHARD = 200;

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly host: SweepHost) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.host.intervalMs);
  }

  /**
   * One pass over every shard, oldest entries first, of the entries old enough to matter (see
   * pending-index.ts): a flow that just had an event has a live owner or a lock that has not expired.
   * Only entries older than one interval are removed: a younger one may belong to a sender whose
   * enqueue has not run yet (on a Cluster the ZADD and the enqueue go to different nodes).
   */
  private async pass(): Promise<void> {
    const now = Date.now();
    const olderThan = now - this.host.intervalMs;
    const eligible = now - pendingEligibleMs(this.host.intervalMs);
    for (let shard = 0; shard < this.host.shards && !this.stopped; shard++) {
      const key = this.host.keys.pending(shard);
      let reply: string[];
      try {
        reply = await this.host.redis.zrangebyscore(key, "-inf", eligible, "WITHSCORES", "LIMIT", 0, PER_SHARD);
      } catch (error) {
        this.host.reportError(error);
        return;
      }
      for (let i = 0; i + 1 < reply.length && !this.stopped; i += 2) {
        const member = reply[i]!;
        const flow = parsePendingMember(member);
        if (!flow) continue;
        try {
          const score = reply[i + 1]!;
          await this.host.sweep(flow.machine, flow.flowId, key, member, score, Number(score) <= olderThan);
        } catch (error) {
          this.host.reportError(error);
        }
      }
    }
  }
}
