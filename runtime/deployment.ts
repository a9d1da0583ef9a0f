// The deployment modes of a runtime, decided once from its options: where the lock lives, which Redis it runs on, when an event is acked.
import type { FlowRuntimeOptions } from "./options.js";

/**
 * - `single`: the processor lock is a key beside the flow (`fsm:{<machine>:<flowId>}:lock`), taken
 *   by the enqueue, start and claim scripts and released or extended by the commit script.
 * - `redlock` (the `locks` option names lock servers): the lock lives on independent lock servers,
 *   taken with the `redlock` library after the ack (redlock-ownership.ts); the flow's Redis only sees
 *   the epoch bumped (`fence.lua`), and the commit script never touches a lock key.
 */
export type LockMode = "single" | "redlock";

/**
 * - `standalone`: one Redis (or a primary with replicas). A flow's timer shard can be written by the
 *   flow's own commit, and the enqueues or commits of many flows share one script call.
 * - `cluster` (`redis: { cluster: [...] }`): a script stays in one slot, so a flow's timers (in its
 *   machine's shard, another slot) are armed just before its commit and cancelled after it, in
 *   scripts of their own, and every script call carries one flow.
 */
export type Topology = "standalone" | "cluster";

/**
 * - `fast`: an event is acked once the primary has it.
 * - `replicated`: an event is acked once `WAIT` confirmed it on the replicas (replication.ts), and
 *   every enqueue carries its pending-index ZADD (pending-index.ts says why). Not on a Cluster.
 */
export type ConsistencyMode = "fast" | "replicated";

/** Every mode a runtime runs in. Each place that behaves differently per mode reads it here. */
export interface Deployment {
  readonly lock: LockMode;
  readonly topology: Topology;
  readonly consistency: ConsistencyMode;
}

/** The deployment the options describe; FlowRuntime decides it once, when it is constructed (resolveOptions). */
export function decideDeployment(options: Pick<FlowRuntimeOptions, "redis" | "locks" | "consistency">): Deployment {
  const { redis, locks, consistency } = options;
  return Object.freeze({
    lock: locks !== undefined && locks.length > 0 ? "redlock" : "single",
    topology: typeof redis === "object" && "cluster" in redis ? "cluster" : "standalone",
    consistency: (consistency ?? "fast") === "fast" ? "fast" : "replicated",
  });
}
