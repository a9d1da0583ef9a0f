// Operations on one flow for people on call: read everything about it, force-release its lock.
import type { Redis } from "ioredis";

import { readFlowHash } from "./flow-hash.js";
import { keySpaceOf, type KeySpace } from "./keys.js";
import { unpackArmed } from "./timers/packed.js";
import type { ArmedTimer } from "./timers/types.js";
import { DEFAULT_TIMER_SHARDS } from "./timers/store.js";
import { unlockFlow, type EventRecord } from "./scripts.js";

export interface FlowInspection {
  machine: string;
  flowId: string;
  exists: boolean;
  state?: string;
  status?: string;
  context?: unknown;
  version?: number;
  machineVersion?: number;
  /** The version a migration moved the flow from, when it was migrated. */
  migratedFrom?: number;
  epoch?: number;
  lastSeq?: number;
  created?: number;
  updated?: number;
  /** Entry token of the current state entry ("" when unknown). */
  entry?: string;
  /** The armed timers of the current state entry, unpacked from the flow hash; `due` is each one's score in its shard, absent when it is no longer there (delivered, or lost). */
  timers?: ArmedTimer[];
  /** The armed deadline, when the flow has one. */
  deadline?: ArmedTimer;
  /** Milliseconds until an ended flow expires; undefined while active. */
  expiresInMs?: number;
  queue: EventRecord[];
  /** The lock beside the flow (single-instance mode). */
  lock: { holder: string; ttlMs: number } | null;
  /** Redlock mode, when lock servers were given: the lock key on each of them. */
  lockServers?: LockServerView[];
  deadLetters: unknown[];
}

export interface LockServerView {
  server: string;
  /** null when free; `error` when the server did not answer. */
  holder: string | null;
  ttlMs: number;
  error?: string;
}

/** Where a flow lives and how its timers are sharded: the runtimes' `timerShards` and `keyPrefix` options. */
export interface FlowOpsOptions {
  /** The runtimes' timerShards (it names the shard of each timer); default 4. */
  timerShards?: number;
  /** The runtimes' keyPrefix (the `keyPrefix` of their ioredis options); default none. */
  keyPrefix?: string;
}

/** Reads the flow's lock key on each Redlock lock server (the value is redlock's random token). */
export async function inspectLockServers(
  servers: readonly { name: string; redis: Redis }[],
  keys: KeySpace,
  machine: string,
  flowId: string,
): Promise<LockServerView[]> {
  const key = keys.flow(machine, flowId).lock;
  return Promise.all(
    servers.map(async ({ name, redis }) => {
      try {
        const [holder, ttlMs] = await Promise.all([redis.get(key), redis.pttl(key)]);
        return { server: name, holder, ttlMs: holder === null ? 0 : ttlMs };
      } catch (error) {
        return { server: name, holder: null, ttlMs: 0, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** Redlock mode: deletes the flow's lock key on every lock server that answers; returns how many held it. */
export async function deleteLockOnServers(servers: readonly { redis: Redis }[], keys: KeySpace, machine: string, flowId: string): Promise<number> {
  const key = keys.flow(machine, flowId).lock;
  const deleted = await Promise.all(servers.map(({ redis }) => redis.del(key).catch(() => 0)));
  return deleted.reduce((n, d) => n + d, 0);
}

const parse = (text: string | undefined): unknown => (text === undefined || text === "" ? undefined : JSON.parse(text));

/** Reads everything about one flow. `timerShards` (or `options.timerShards`) and `options.keyPrefix` must be the runtimes'. */
export async function inspectFlow(redis: Redis, machine: string, flowId: string, options: number | FlowOpsOptions = {}): Promise<FlowInspection> {
  const { timerShards = DEFAULT_TIMER_SHARDS, keyPrefix } = typeof options === "number" ? { timerShards: options } : options;
  const space = keySpaceOf([redis], keyPrefix, "inspectFlow option keyPrefix");
  const keys = space.flow(machine, flowId);
  const [hash, pttl, queue, holder, lockTtl, deadLetters] = await Promise.all([
    redis.hgetall(keys.state),
    redis.pttl(keys.state),
    redis.lrange(keys.queue, 0, -1),
    redis.get(keys.lock),
    redis.pttl(keys.lock),
    redis.lrange(keys.deadLetters, 0, -1),
  ]);
  const flow = readFlowHash(hash);
  // The flow hash keeps no due time per timer (every byte there is paid by each idle flow): its shard's score is it.
  const timers = flow ? unpackArmed(space, machine, flowId, flow.timers, timerShards, flow.state) : [];
  const scores = await Promise.all(timers.map((t) => redis.zscore(t.key, t.member)));
  timers.forEach((t, i) => {
    const score = scores[i];
    if (score !== null && score !== undefined) t.due = Number(score);
  });
  return {
    machine,
    flowId,
    exists: flow !== undefined,
    ...(flow
      ? {
          state: flow.state,
          status: flow.status,
          context: parse(flow.ctx),
          version: flow.version,
          machineVersion: flow.machineVersion,
          ...(flow.migratedFrom > 0 ? { migratedFrom: flow.migratedFrom } : {}),
          epoch: flow.epoch,
          lastSeq: flow.lastSeq,
          created: flow.created,
          updated: flow.updated,
          entry: flow.entry,
          timers,
          deadline: unpackArmed(space, machine, flowId, flow.deadline, timerShards)[0],
          expiresInMs: pttl > 0 ? pttl : undefined,
        }
      : {}),
    queue: queue.map((r) => JSON.parse(r) as EventRecord),
    lock: holder === null ? null : { holder, ttlMs: lockTtl },
    deadLetters: deadLetters.map((r) => JSON.parse(r) as unknown),
  };
}

/** Bumps the epoch (a zombie holder's commit is then refused) and deletes the lock. */
export async function forceUnlock(
  redis: Redis,
  machine: string,
  flowId: string,
  options: Pick<FlowOpsOptions, "keyPrefix"> = {},
): Promise<{ exists: boolean; epoch: number; deleted: boolean }> {
  const keys = keySpaceOf([redis], options.keyPrefix, "forceUnlock option keyPrefix").flow(machine, flowId);
  const { epoch, deleted } = await unlockFlow(redis, keys);
  return { exists: epoch >= 0, epoch, deleted };
}
