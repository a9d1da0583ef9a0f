// The timer service every runtime process runs: claims due timers from every shard under a lease, delivers them, acks them.
import { decodeTimerMember, MEMBER_SEPARATOR, timerShardKey } from "./member.js";
import { ackTimersMany, claimTimersMany } from "./scripts.js";
import type { TimerStore } from "./store.js";
import type { DueTimer, TimerRedis, TimerServiceOptions } from "./types.js";

/** Counters for metrics and tests. `ackMissed` counts deliveries some other process had already acked: duplicates across a lease expiry. */
export interface TimerServiceStats {
  claimed: number;
  delivered: number;
  deliverFailed: number;
  acked: number;
  ackMissed: number;
  claimErrors: number;
}

const MAX_BACKOFF_MS = 1_000;

/**
 * One loop per process: at each tick it claims, in one round trip, every shard whose next
 * check is due. A shard's next check comes from its claim reply: at once when the batch came
 * back full, else at its earliest score (a due time or a lease end), but no sooner than
 * `minGapMs` and no later than `pollMs` (timers armed by other processes are only seen by
 * polling). Timers armed in this process wake the loop early.
 */
export class TimerService {
  readonly stats: TimerServiceStats = { claimed: 0, delivered: 0, deliverFailed: 0, acked: 0, ackMissed: 0, claimErrors: 0 };
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly maxInFlight: number;
  private readonly minGapMs: number;
  private readonly onError: NonNullable<TimerServiceOptions["onError"]>;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Local time at which each shard is next claimed. */
  private readonly nextCheck: number[];
  /** Local times from timers armed here; merged into nextCheck by the loop (a claim in flight may predate them). */
  private readonly hinted = new Map<number, number>();
  private sleeper: { wakeAt: number; timeout: NodeJS.Timeout; wake: () => void } | undefined;
  /** Last delivery per flow: a flow's timers are delivered one after another, in due order. */
  private readonly flowTails = new Map<string, Promise<void>>();
  /** Members being delivered here, so a lease that ran out mid-delivery does not start a second delivery in this process. */
  private readonly delivering = new Set<string>();
  private inFlight = 0;
  private capacityWaiters: (() => void)[] = [];
  private readonly pendingAcks = new Map<number, string[]>();
  private ackScheduled = false;
  /** Ack round trips in flight, awaited by stop(). */
  private readonly acking = new Set<Promise<void>>();
  private unwatch: (() => void) | undefined;
  private failures = 0;

  constructor(
    private readonly redis: TimerRedis,
    private readonly store: TimerStore,
    private readonly deliver: (timer: DueTimer) => Promise<void>,
    options: TimerServiceOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 50;
    this.leaseMs = options.leaseMs ?? 5_000;
    this.batch = options.batch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2_000;
    this.minGapMs = Math.min(options.minGapMs ?? 5, this.pollMs);
    this.onError = options.onError ?? (() => {});
    this.nextCheck = new Array<number>(store.shards).fill(0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.store.watchArmed((shard, ms) => this.hint(shard, ms));
    this.loop = this.run();
  }

  /** Stops claiming, waits for the deliveries in flight and acks them. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unwatch?.();
    this.sleeper?.wake();
    for (const waiter of this.capacityWaiters.splice(0)) waiter();
    await this.loop;
    await Promise.all([...this.flowTails.values()]);
    this.flushAcks();
    await Promise.all([...this.acking]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.inFlight >= this.maxInFlight) {
        await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
        continue;
      }
      this.mergeHints();
      const now = Date.now();
      const shards = this.nextCheck.flatMap((at, shard) => (at <= now ? [shard] : []));
      if (shards.length > 0) await this.claim(shards);
      this.mergeHints();
      const waitMs = Math.min(...this.nextCheck) - Date.now();
      if (waitMs > 0 && this.running) await this.sleep(waitMs);
    }
  }

  private async claim(shards: number[]): Promise<void> {
    let replies;
    try {
      replies = await claimTimersMany(this.redis, shards.map(timerShardKey), this.leaseMs, this.batch);
      this.failures = 0;
    } catch (error) {
      // Redis away: keep polling with backoff; ioredis reconnects by itself.
      this.stats.claimErrors++;
      this.failures++;
      const retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, this.pollMs * 2 ** this.failures);
      for (const shard of shards) this.nextCheck[shard] = retryAt;
      this.onError(error, { operation: "claim", shard: shards[0] ?? 0 });
      return;
    }
    const now = Date.now();
    shards.forEach((shard, i) => {
      const reply = replies[i] ?? new Error("no reply to the claim");
      if (reply instanceof Error) {
        this.stats.claimErrors++;
        this.nextCheck[shard] = now + this.pollMs;
        this.onError(reply, { operation: "claim", shard });
        return;
      }
      this.stats.claimed += reply.members.length;
      for (const member of reply.members) this.dispatch(member, shard);
      let waitMs = this.pollMs;
      if (reply.members.length >= this.batch) waitMs = 0;
      else if (reply.next !== undefined) waitMs = Math.max(this.minGapMs, Math.min(this.pollMs, reply.next - reply.now));
      this.nextCheck[shard] = now + waitMs;
    });
  }

  private dispatch(member: string, shard: number): void {
    if (this.delivering.has(member)) return;
    const timer = decodeTimerMember(member, shard);
    if (!timer) {
      // Not ours to interpret and never deliverable: drop it rather than re-claim it forever.
      this.queueAck(shard, member);
      return;
    }
    this.delivering.add(member);
    this.inFlight++;
    const flowKey = `${timer.machine}${MEMBER_SEPARATOR}${timer.flowId}`;
    const tail = (this.flowTails.get(flowKey) ?? Promise.resolve()).then(() => this.deliverOne(timer));
    this.flowTails.set(flowKey, tail);
    void tail.finally(() => {
      if (this.flowTails.get(flowKey) === tail) this.flowTails.delete(flowKey);
      this.delivering.delete(member);
      this.inFlight--;
      for (const waiter of this.capacityWaiters.splice(0)) waiter();
    });
  }

  private async deliverOne(timer: DueTimer): Promise<void> {
    try {
      await this.deliver(timer);
    } catch (error) {
      // Not acked: the lease runs out and a process (maybe this one) delivers it again.
      this.stats.deliverFailed++;
      this.onError(error, { operation: "deliver", shard: timer.shard, timer });
      return;
    }
    this.stats.delivered++;
    this.queueAck(timer.shard, timer.member);
  }

  /** Acks are batched: one round trip for everything delivered since the last flush. */
  private queueAck(shard: number, member: string): void {
    const members = this.pendingAcks.get(shard) ?? [];
    members.push(member);
    this.pendingAcks.set(shard, members);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    if (this.pendingAcks.size === 0) return;
    const batches = [...this.pendingAcks].map(([shard, members]) => ({ shard, key: timerShardKey(shard), members }));
    this.pendingAcks.clear();
    const ack = this.ack(batches);
    this.acking.add(ack);
    void ack.finally(() => this.acking.delete(ack));
  }

  private async ack(batches: { shard: number; key: string; members: string[] }[]): Promise<void> {
    let replies;
    try {
      replies = await ackTimersMany(this.redis, batches);
    } catch (error) {
      // Unacked timers come due again when their lease ends; the event id dedupes the second delivery.
      this.onError(error, { operation: "ack", shard: batches[0]?.shard ?? 0 });
      return;
    }
    batches.forEach((batch, i) => {
      const removed = replies[i] ?? new Error("no reply to the ack");
      if (removed instanceof Error) {
        this.onError(removed, { operation: "ack", shard: batch.shard });
        return;
      }
      this.stats.acked += removed;
      this.stats.ackMissed += batch.members.length - removed;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(sleeper.timeout);
        if (this.sleeper === sleeper) this.sleeper = undefined;
        resolve();
      };
      const sleeper = { wakeAt: Date.now() + ms, timeout: setTimeout(wake, ms), wake };
      this.sleeper = sleeper;
    });
  }

  private mergeHints(): void {
    for (const [shard, at] of this.hinted) this.nextCheck[shard] = Math.min(this.nextCheck[shard] ?? 0, at);
    this.hinted.clear();
  }

  /** A timer armed in this process, due in `ms`: claim its shard by then even if the loop planned to sleep longer. */
  private hint(shard: number, ms: number): void {
    const at = Date.now() + ms;
    this.hinted.set(shard, Math.min(this.hinted.get(shard) ?? Number.POSITIVE_INFINITY, at));
    const sleeper = this.sleeper;
    if (!sleeper || sleeper.wakeAt <= at) return;
    clearTimeout(sleeper.timeout);
    sleeper.wakeAt = at;
    sleeper.timeout = setTimeout(sleeper.wake, Math.max(0, ms));
  }
}
