// The timer service every runtime process runs: claims due timers from every shard of its machines under a lease, delivers them, acks them.
import { decodeTimerMember, MEMBER_SEPARATOR } from "./member.js";
import { ackTimersMany, claimTimersMany } from "./scripts.js";
import type { TimerShardRef, TimerStore } from "./store.js";
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
 * One loop per process: at each tick it claims, in one round trip, every shard (of every machine
 * the store knows) whose next check is due. A shard's next check comes from its claim reply: at
 * once when the batch came back full, else at its earliest score (a due time or a lease end), but no sooner than
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
  /** Local time at which each shard key is next claimed; a key not there yet (a machine added since) is claimed at once. */
  private readonly nextCheck = new Map<string, number>();
  /** Local times from timers armed here; merged into nextCheck by the loop (a claim in flight may predate them). */
  private readonly hinted = new Map<string, number>();
  private sleeper: { wakeAt: number; timeout: NodeJS.Timeout; wake: () => void } | undefined;
  /** Last delivery per flow: a flow's timers are delivered one after another, in due order. */
  private readonly flowTails = new Map<string, Promise<void>>();
  /** Shard key + member of the timers being delivered here, so a lease that ran out mid-delivery does not start a second delivery in this process. */
  private readonly delivering = new Set<string>();
  private inFlight = 0;
  private capacityWaiters: (() => void)[] = [];
  private readonly pendingAcks = new Map<string, { ref: TimerShardRef; members: string[] }>();
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
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.store.watchArmed((key, ms) => this.hint(key, ms));
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
      const refs = this.store.shardRefs;
      const due = refs.filter((ref) => (this.nextCheck.get(ref.key) ?? 0) <= now);
      if (due.length > 0) await this.claim(due);
      this.mergeHints();
      // No machine yet: look again after a poll interval (one may be registered meanwhile).
      let next = refs.length === 0 ? now + this.pollMs : Number.POSITIVE_INFINITY;
      for (const ref of this.store.shardRefs) next = Math.min(next, this.nextCheck.get(ref.key) ?? 0);
      const waitMs = next - Date.now();
      if (waitMs > 0 && this.running) await this.sleep(waitMs);
    }
  }

  private async claim(refs: readonly TimerShardRef[]): Promise<void> {
    let replies;
    try {
      replies = await claimTimersMany(
        this.redis,
        refs.map((ref) => ref.key),
        this.leaseMs,
        this.batch,
      );
      this.failures = 0;
    } catch (error) {
      // Redis away: keep polling with backoff; ioredis reconnects by itself.
      this.stats.claimErrors++;
      this.failures++;
      const retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, this.pollMs * 2 ** this.failures);
      for (const ref of refs) this.nextCheck.set(ref.key, retryAt);
      this.onError(error, { operation: "claim", shard: refs[0]?.shard ?? 0, key: refs[0]?.key ?? "" });
      return;
    }
    const now = Date.now();
    refs.forEach((ref, i) => {
      const reply = replies[i] ?? new Error("no reply to the claim");
      if (reply instanceof Error) {
        this.stats.claimErrors++;
        this.nextCheck.set(ref.key, now + this.pollMs);
        this.onError(reply, { operation: "claim", shard: ref.shard, key: ref.key });
        return;
      }
      this.stats.claimed += reply.claimed.length;
      for (const { member, score } of reply.claimed) this.dispatch(member, score, ref);
      let waitMs = this.pollMs;
      if (reply.claimed.length >= this.batch) waitMs = 0;
      else if (reply.next !== undefined) waitMs = Math.max(this.minGapMs, Math.min(this.pollMs, reply.next - reply.now));
      this.nextCheck.set(ref.key, now + waitMs);
    });
  }

  private dispatch(member: string, score: number, ref: TimerShardRef): void {
    const id = `${ref.key}${MEMBER_SEPARATOR}${member}`;
    if (this.delivering.has(id)) return;
    const decoded = decodeTimerMember(member);
    if (!decoded) {
      // Not ours to interpret and never deliverable: drop it rather than re-claim it forever.
      this.queueAck(ref, member);
      return;
    }
    const timer: DueTimer = { machine: ref.machine, ...decoded, due: score, member, key: ref.key, shard: ref.shard };
    this.delivering.add(id);
    this.inFlight++;
    const flowKey = `${timer.machine}${MEMBER_SEPARATOR}${timer.flowId}`;
    const tail = (this.flowTails.get(flowKey) ?? Promise.resolve()).then(() => this.deliverOne(timer, ref));
    this.flowTails.set(flowKey, tail);
    void tail.finally(() => {
      if (this.flowTails.get(flowKey) === tail) this.flowTails.delete(flowKey);
      this.delivering.delete(id);
      this.inFlight--;
      for (const waiter of this.capacityWaiters.splice(0)) waiter();
    });
  }

  private async deliverOne(timer: DueTimer, ref: TimerShardRef): Promise<void> {
    try {
      await this.deliver(timer);
    } catch (error) {
      // Not acked: the lease runs out and a process (maybe this one) delivers it again.
      this.stats.deliverFailed++;
      this.onError(error, { operation: "deliver", shard: timer.shard, key: timer.key, timer });
      return;
    }
    this.stats.delivered++;
    this.queueAck(ref, timer.member);
  }

  /** Acks are batched: one round trip for everything delivered since the last flush. */
  private queueAck(ref: TimerShardRef, member: string): void {
    const pending = this.pendingAcks.get(ref.key);
    if (pending) pending.members.push(member);
    else this.pendingAcks.set(ref.key, { ref, members: [member] });
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    if (this.pendingAcks.size === 0) return;
    const batches = [...this.pendingAcks.values()].map(({ ref, members }) => ({ shard: ref.shard, key: ref.key, members }));
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
      this.onError(error, { operation: "ack", shard: batches[0]?.shard ?? 0, key: batches[0]?.key ?? "" });
      return;
    }
    batches.forEach((batch, i) => {
      const removed = replies[i] ?? new Error("no reply to the ack");
      if (removed instanceof Error) {
        this.onError(removed, { operation: "ack", shard: batch.shard, key: batch.key });
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
    for (const [key, at] of this.hinted) this.nextCheck.set(key, Math.min(this.nextCheck.get(key) ?? 0, at));
    this.hinted.clear();
  }

  /** A timer armed in this process, due in `ms`: claim its shard by then even if the loop planned to sleep longer. */
  private hint(key: string, ms: number): void {
    const at = Date.now() + ms;
    this.hinted.set(key, Math.min(this.hinted.get(key) ?? Number.POSITIVE_INFINITY, at));
    const sleeper = this.sleeper;
    if (!sleeper || sleeper.wakeAt <= at) return;
    clearTimeout(sleeper.timeout);
    sleeper.wakeAt = at;
    sleeper.timeout = setTimeout(sleeper.wake, Math.max(0, ms));
  }
}
