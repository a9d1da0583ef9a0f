// Redlock mode: the connections to the lock servers, and how this process comes to hold a flow there: take the lock, fence, drain, and look again after a release.
import type { RedisOptions } from "ioredis";

import { closeConnection, connect, type Connection, type FlowRedis } from "./connection.js";
import type { RegisteredMachine } from "./drain.js";
import { ConfigurationError } from "./errors.js";
import { pendingMember, type FlowKeys, type KeySpace } from "./keys.js";
import { RedlockLocks, type Lease } from "./lease.js";
import type { RuntimeCounters } from "./metrics.js";
import type { ErrorContext } from "./options.js";
import { fenceFlow, removePending, type Snapshot } from "./scripts.js";

/*
 * In single-instance mode an enqueue (or the sweeper's claim) takes a free lock beside the flow in
 * the same script, and the commit releases it. Here the lock lives on independent lock servers,
 * which no flow script can reach: the enqueue only queues, and the sender's process then takes the
 * lock with the `redlock` library (a quorum of the servers), bumps the flow's epoch (`fence.lua`),
 * and drains. A commit that empties the queue leaves the lock servers alone; the drain releases the
 * lock there afterwards and asks for the queue to be looked at again, since an event enqueued while
 * the lock was held found it taken and left the flow to its holder.
 */

/** What the Redlock side needs from the runtime. */
export interface RedlockHost {
  /** The flows' Redis (not a lock server). */
  readonly redis: FlowRedis;
  /** The flows' key space: a lock is named in it, the same on every lock server. */
  readonly keys: KeySpace;
  readonly batch: number;
  readonly counters: RuntimeCounters;
  /** True while the runtime is started and not closing: only then are flows taken. */
  readonly running: boolean;
  /** The newest registered version of a machine, if this process registered it. */
  machine(name: string): RegisteredMachine | undefined;
  /** True while this process drains the flow (pending member). */
  draining(member: string): boolean;
  drain(machine: RegisteredMachine, flowId: string, keys: FlowKeys, lease: Lease, snapshot: Snapshot): void;
  reportError(error: unknown, context: ErrorContext): void;
  /** A failure of the flows' Redis as the FlowRuntimeError that names it. */
  redisError(error: unknown): unknown;
}

export type TakeOutcome = "drained" | "busy" | "idle" | "unavailable";

export class RedlockOwnership {
  /** One connection per lock server. */
  readonly connections: readonly Connection[];
  private readonly locks: RedlockLocks;

  constructor(
    private readonly host: RedlockHost,
    servers: readonly (string | RedisOptions)[],
    options: { lockTtlMs: number; connectTimeoutMs: number; keys: KeySpace },
  ) {
    // Lock servers must fail fast when down (no offline queue): a quorum of the others still decides.
    this.connections = servers.map((target, i) =>
      connect(target, {
        commandTimeoutMs: Math.max(100, Math.floor(options.lockTtlMs / 4)),
        connectTimeoutMs: options.connectTimeoutMs,
        offlineQueue: false,
        option: `locks[${i}]`,
      }),
    );
    // A lock has one name on every lock server: the flow's lock key, in the flows' key space.
    const other = this.connections.findIndex((c) => c.keyPrefix !== "" && c.keyPrefix !== options.keys.prefix);
    if (other >= 0) {
      throw new ConfigurationError(
        `FlowRuntime option locks[${other}].keyPrefix must be that of the redis option (${JSON.stringify(options.keys.prefix)}) or none: a flow's lock has the same name on every lock server`,
      );
    }
    this.locks = new RedlockLocks(
      this.connections.map((c) => c.redis),
      options.lockTtlMs,
    );
  }

  /** The lock servers' clients (the watchdog counts a lock as live when a quorum of them holds it). */
  get servers(): FlowRedis[] {
    return this.connections.map((c) => c.redis);
  }

  /**
   * Lock servers have no offline queue (a dead one must fail fast), so they are connected at start;
   * one that is down keeps reconnecting in the background while the quorum of the others decides.
   */
  async connect(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.redis.connect().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => closeConnection(c.redis)));
  }

  /** Takes the flow's lock on the lock servers, fences, and drains: after an ack, a release, or a sweep. */
  async take(machine: RegisteredMachine, flowId: string): Promise<TakeOutcome> {
    const { host } = this;
    if (!host.running) return "idle";
    const name = machine.definition.name;
    const keys = host.keys.flow(name, flowId);
    const attempt = await this.locks.tryAcquire(keys.lock);
    if (attempt.kind === "busy") {
      host.counters.lockContention++;
      return "busy";
    }
    if (attempt.kind === "unavailable") {
      host.counters.lockUnavailable++;
      host.reportError(attempt.error, { machine: name, flowId, attempt: 0, phase: "lock" });
      return "unavailable";
    }
    let fenced;
    try {
      fenced = await fenceFlow(host.redis, keys, host.batch);
    } catch (error) {
      await attempt.lease.release();
      host.reportError(host.redisError(error), { machine: name, flowId, attempt: 0, phase: "lock" });
      return "unavailable";
    }
    if (fenced.kind !== "locked") {
      await attempt.lease.release();
      return "idle";
    }
    host.drain(machine, flowId, keys, attempt.lease, fenced.snapshot);
    return "drained";
  }

  /** After a drain released on an empty queue: an event enqueued meanwhile found the lock held. */
  async recheck(name: string, flowId: string): Promise<void> {
    const { host } = this;
    const machine = host.machine(name);
    if (!machine || !host.running || host.draining(pendingMember(name, flowId))) return;
    try {
      if ((await host.redis.llen(host.keys.flow(name, flowId).queue)) === 0) return;
    } catch (error) {
      host.reportError(host.redisError(error), { machine: name, flowId, attempt: 0, phase: "lock" });
      return;
    }
    await this.take(machine, flowId);
  }

  /**
   * The sweeper's look at a listed flow: taken when its queue has events (a quorum of lock servers
   * decides whether someone holds it), its entry removed when it is idle and `removable`.
   */
  async sweep(machine: RegisteredMachine, flowId: string, key: string, member: string, score: string, removable: boolean): Promise<void> {
    const { host } = this;
    if ((await host.redis.llen(host.keys.flow(machine.definition.name, flowId).queue)) === 0) {
      if (removable) await removePending(host.redis, key, member, score);
      return;
    }
    if ((await this.take(machine, flowId)) === "drained") host.counters.swept++;
  }
}
