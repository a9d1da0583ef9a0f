// A processor's hold on one flow: its fencing epoch, the token the commit script checks, heartbeat and release.
/// <reference path="./redlock.d.ts" />
import Redlock, { ResourceLockedError, type Lock } from "redlock";

import type { FlowRedis } from "./connection.js";

import { LockUnavailableError } from "./errors.js";
import type { FlowKeys } from "./keys.js";
import { extendLock, releaseLock } from "./scripts.js";

export interface Lease {
  /** The lock key's value beside the flow, which commit.lua extends; "" in Redlock mode (the lock lives on the lock servers). */
  readonly token: string;
  /** Extends the lock by its TTL; false when it was lost. */
  extend(): Promise<boolean>;
  /** Gives the lock up (best effort: an expired lock needs no release). */
  release(): Promise<void>;
}

/** Single-instance mode: the lock key sits in the flow's slot and was taken inside enqueue/claim.lua. */
export class FlowLocalLease implements Lease {
  constructor(
    private readonly redis: FlowRedis,
    private readonly keys: FlowKeys,
    readonly token: string,
    private readonly ttlMs: number,
    private readonly epoch: number,
  ) {}

  extend(): Promise<boolean> {
    return extendLock(this.redis, this.keys, this.token, this.ttlMs, this.epoch);
  }

  async release(): Promise<void> {
    await releaseLock(this.redis, this.keys, this.token);
  }
}

export type RedlockAttempt = { kind: "acquired"; lease: Lease } | { kind: "busy" } | { kind: "unavailable"; error: LockUnavailableError };

/** Redlock mode: the processor lock over independent Redis masters, taken with the `redlock` library. */
export class RedlockLocks {
  private readonly redlock: Redlock;

  constructor(
    clients: readonly FlowRedis[],
    private readonly ttlMs: number,
  ) {
    // No retries: a held lock means another processor owns the flow and will drain it.
    this.redlock = new Redlock(clients, { retryCount: 0, driftFactor: 0.01, retryJitter: 0, automaticExtensionThreshold: Math.max(0, ttlMs - 100) });
    // Redlock emits `error` for every failed attempt, contention included; outcomes are read from acquire's result.
    this.redlock.on("error", () => {});
  }

  async tryAcquire(resource: string): Promise<RedlockAttempt> {
    let lock: Lock;
    try {
      lock = await this.redlock.acquire([resource], this.ttlMs);
    } catch (error) {
      return (await heldElsewhere(error))
        ? { kind: "busy" }
        : { kind: "unavailable", error: new LockUnavailableError(resource, error instanceof Error ? error.message : String(error), { cause: error }) };
    }
    return { kind: "acquired", lease: new RedlockLease(this.redlock, lock, this.ttlMs) };
  }
}

/** True when some lock server refused because the resource is locked (contention), not because it was unreachable. */
async function heldElsewhere(error: unknown): Promise<boolean> {
  const attempts = (error as { attempts?: readonly Promise<{ votesAgainst: Map<unknown, Error> }>[] }).attempts ?? [];
  for (const attempt of attempts) {
    const stats = await attempt.catch(() => undefined);
    for (const reason of stats?.votesAgainst.values() ?? []) if (reason instanceof ResourceLockedError) return true;
  }
  return false;
}

class RedlockLease implements Lease {
  readonly token = "";

  constructor(
    private readonly redlock: Redlock,
    private lock: Lock,
    private readonly ttlMs: number,
  ) {}

  async extend(): Promise<boolean> {
    try {
      this.lock = await this.redlock.extend(this.lock, this.ttlMs);
      return true;
    } catch {
      return false;
    }
  }

  async release(): Promise<void> {
    // A release that misses its quorum is harmless: the lock expires, and the epoch fences any commit.
    await this.redlock.release(this.lock).catch(() => undefined);
  }
}
