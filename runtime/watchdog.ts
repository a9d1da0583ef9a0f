// The watchdog: finds flows past their deadline, queues nobody drains, holders that stopped making progress and dead-lettered events, and redelivers overdue deadlines.
import type { Cluster, Redis } from "ioredis";
import { FLOW_FIELDS } from "./flow-hash.js";
import { keySpaceOf, type KeySpace } from "./keys.js";
import { runnableVersions } from "./runners.js";
import { DEFAULT_TIMER_SHARDS } from "./timers/store.js";
import { unpackArmed } from "./timers/packed.js";
import type { ArmedTimer } from "./timers/types.js";

export interface PastDeadlineFlow {
  machine: string;
  flowId: string;
  state: string;
  /** When the deadline was due (ms since the epoch, Redis clock). */
  due: number;
  overdueMs: number;
  /** True when this run put its deadline timer back in its shard, due now (it was no longer there). */
  redelivered: boolean;
}

export interface OrphanedQueue {
  machine: string;
  flowId: string;
  queued: number;
  /** Age of the oldest queued event, ms. */
  oldestMs: number;
}

/**
 * A flow whose processor lock is held while the head of its queue has waited longer than a healthy
 * holder keeps one event (`hungAfterMs`): the holder is alive enough to keep its lock but is not
 * committing (a handler that ignores its time limit, a stuck await, a process stopped with its heartbeat).
 */
export interface HungHolder {
  machine: string;
  flowId: string;
  /** The lock's value, the holder's token `<hostname>:<pid>:<random>:<n>`; "redlock" in Redlock mode. */
  holder: string;
  /** Sequence number and event type of the queue head the holder has not committed. */
  headSeq: number | undefined;
  headType: string | undefined;
  /** How long the head has waited since it was enqueued, ms (Redis clock; infinite when the record has no time). */
  waitedMs: number;
  /** The lock's remaining TTL, ms; -1 when it has no expiry. Redlock mode: until fewer than a quorum of the lock servers hold it. */
  lockTtlMs: number;
}

/**
 * A flow with events waiting longer than the lock TTL whose machine version no live process runs: no
 * process registered that version, and none whose handlers cover its stored definition (they say so
 * in `fsm:runners:{<machine>}`). Deploy that version's handlers, or a version that migrates it.
 */
export interface UnrunnableFlow {
  machine: string;
  flowId: string;
  /** The machine version the flow follows. */
  version: number;
  /** The versions of the machine live processes run now. */
  runnable: number[];
  queued: number;
  /** Age of the oldest queued event, ms. */
  oldestMs: number;
}

export interface DeadLetteredFlow {
  machine: string;
  flowId: string;
  /** The dead-letter records as stored (parsed JSON where they are JSON). */
  events: unknown[];
}

/** Active flows of one machine in one state, and the events queued in them (a scan with `census`). */
export interface FlowCensus {
  machine: string;
  state: string;
  flows: number;
  queued: number;
}

export interface StuckFlows {
  /** Redis TIME when the scan started, ms. */
  at: number;
  /** With the `census` option only: every active flow counted by machine and state (what the watchdog leader's gauges export). */
  census?: FlowCensus[];
  pastDeadline: PastDeadlineFlow[];
  orphanedQueues: OrphanedQueue[];
  hungHolders: HungHolder[];
  unrunnable: UnrunnableFlow[];
  deadLettered: DeadLetteredFlow[];
  /** The same, counted: what metrics export. */
  counts: { pastDeadline: number; orphanedQueues: number; hungHolders: number; unrunnable: number; deadLettered: number; deadLetteredEvents: number };
}

export interface StuckFlowsOptions {
  /** A queue whose oldest event waited longer than this with no lock is orphaned: the runtimes' lock TTL (FlowRuntime's default, 10 000). */
  lockTtlMs?: number;
  /**
   * A queue head that waited longer than this while the flow's lock is held means a hung holder:
   * `hungHolderAfterMs` of the runtimes' options (default: of FlowRuntime's defaults, with `lockTtlMs`).
   */
  hungAfterMs?: number;
  /** A deadline overdue by less than this is still in the timer service's hands, not stuck. */
  graceMs?: number;
  /** Put the deadline timer of each flow past its deadline back in its shard, due now (safe: it is delivered with a deduplicating event id). */
  redeliver?: boolean;
  /** Redlock mode: the lock servers. A lock counts as live when a quorum of them holds it (absent: the lock lives beside the flow). */
  lockServers?: readonly WatchdogRedis[];
  /** Shards of the timer sets (as configured in the runtimes); needed to read a packed deadline. */
  timerShards?: number;
  /** Also count every active flow by machine and state, with its queued events (`census` of the result): it reads nothing more. */
  census?: boolean;
  /** SCAN COUNT hint. */
  scanCount?: number;
  /** The runtimes' keyPrefix (the `keyPrefix` of their ioredis options): only keys that start with it are scanned, and every key read starts with it. */
  keyPrefix?: string;
}

type WatchdogRedis = Redis | Cluster;

/** The runtime options a healthy holder's time on one event depends on. */
export interface HolderLimits {
  handlerTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  lockTtlMs: number;
}

/** FlowRuntime's defaults (runtime/options.ts): `handlerTimeoutMs`, `retry`, `lockTtlMs`. */
export const DEFAULT_HOLDER_LIMITS: Readonly<HolderLimits> = {
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  retryBaseMs: 100,
  retryMaxMs: 10_000,
  lockTtlMs: 10_000,
};

/**
 * The longest a healthy holder keeps one event at the head of its flow's queue, ms: every attempt
 * runs to its handler time limit, with the backoff before each retry (min(base × 2^(k-1), max) before
 * attempt k + 1), plus a lock TTL (the commit, or the takeover of a holder that died). 161 500 with
 * FlowRuntime's defaults. A head waiting longer under a held lock is a hung holder.
 */
export function hungHolderAfterMs(o: HolderLimits): number {
  let backoffs = 0;
  for (let k = 1; k <= o.maxAttempts - 1; k++) backoffs += Math.min(o.retryBaseMs * 2 ** (k - 1), o.retryMaxMs);
  return o.maxAttempts * o.handlerTimeoutMs + backoffs + o.lockTtlMs;
}

const FLOW_KEY = /^fsm:\{([A-Za-z_][A-Za-z0-9_]*):(.*)\}:(s|dlq)$/s;

/** Every flow state hash and dead-letter list of the key space, by SCAN over each master (a cluster has several). Never on a hot path. */
async function* scanFlowKeys(redis: WatchdogRedis, space: KeySpace, count: number): AsyncGenerator<string[]> {
  const nodes: Redis[] =
    "nodes" in redis && typeof redis.nodes === "function" && (redis as Cluster).isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", space.pattern("fsm:{*}:[sd]*"), "COUNT", count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }
}

async function redisNow(redis: WatchdogRedis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The flow hash's `deadline`, packed (TimerStore.pack). */
function parseDeadline(
  text: string | null | undefined,
  keys: KeySpace,
  machine: string,
  flowId: string,
  shards: number,
): (ArmedTimer & { due: number }) | undefined {
  if (!text) return undefined;
  let value: Partial<ArmedTimer> | undefined;
  try {
    value = unpackArmed(keys, machine, flowId, text, shards)[0];
  } catch {
    return undefined;
  }
  if (!value || typeof value.due !== "number" || !Number.isFinite(value.due) || typeof value.member !== "string" || typeof value.key !== "string")
    return undefined;
  return value as ArmedTimer & { due: number };
}

/** A live lock: its holder and remaining TTL (ms, -1 for none). */
interface LiveLock {
  holder: string;
  ttlMs: number;
}

/**
 * The flow's lock if it is live. Beside the flow: its value and TTL. Redlock mode: held by a quorum
 * of the lock servers (an unreachable one holds nothing), live until the quorum-th longest TTL ends.
 */
async function readLock(redis: WatchdogRedis, lockKey: string, lockServers: readonly WatchdogRedis[] | undefined): Promise<LiveLock | undefined> {
  if (!lockServers || lockServers.length === 0) {
    const [holder, ttlMs] = await Promise.all([redis.get(lockKey), redis.pttl(lockKey)]);
    // PTTL -2: it expired between the two reads.
    return holder === null || ttlMs === -2 ? undefined : { holder, ttlMs };
  }
  const ttls = await Promise.all(lockServers.map((server) => server.pttl(lockKey).catch(() => -2)));
  const quorum = Math.floor(lockServers.length / 2) + 1;
  const held = ttls
    .filter((ttl) => ttl !== -2)
    .map((ttl) => (ttl === -1 ? Number.POSITIVE_INFINITY : ttl))
    .sort((a, b) => b - a);
  const until = held[quorum - 1];
  if (until === undefined) return undefined;
  return { holder: "redlock", ttlMs: until === Number.POSITIVE_INFINITY ? -1 : until };
}

/** Lists flows that need an operator (or the watchdog's redelivery): past their deadline, orphaned queues, hung holders, dead letters. */
export async function listStuckFlows(redis: WatchdogRedis, options: StuckFlowsOptions = {}): Promise<StuckFlows> {
  const space = keySpaceOf([redis, ...(options.lockServers ?? [])], options.keyPrefix, "listStuckFlows option keyPrefix");
  const lockTtlMs = options.lockTtlMs ?? DEFAULT_HOLDER_LIMITS.lockTtlMs;
  const hungAfterMs = options.hungAfterMs ?? hungHolderAfterMs({ ...DEFAULT_HOLDER_LIMITS, lockTtlMs });
  const graceMs = options.graceMs ?? 5_000;
  const at = await redisNow(redis);
  const result: StuckFlows = {
    at,
    pastDeadline: [],
    orphanedQueues: [],
    hungHolders: [],
    unrunnable: [],
    deadLettered: [],
    counts: { pastDeadline: 0, orphanedQueues: 0, hungHolders: 0, unrunnable: 0, deadLettered: 0, deadLetteredEvents: 0 },
  };
  // Which versions of each machine live processes run: read once per machine and scan.
  const runners = new Map<string, Promise<Set<number>>>();
  const census = options.census ? new Map<string, FlowCensus>() : undefined;
  const runnable = (machine: string) => {
    let found = runners.get(machine);
    if (!found) runners.set(machine, (found = runnableVersions(redis, space, machine, at)));
    return found;
  };

  for await (const keys of scanFlowKeys(redis, space, options.scanCount ?? 1_000)) {
    await Promise.all(
      keys.map(async (key) => {
        const match = FLOW_KEY.exec(space.local(key) ?? "");
        if (!match) return;
        const [, machine, flowId, suffix] = match as unknown as [string, string, string, "s" | "dlq"];
        const flow = space.flow(machine, flowId);
        if (suffix === "dlq") {
          const records = await redis.lrange(key, 0, -1);
          if (records.length > 0) result.deadLettered.push({ machine, flowId, events: records.map(parseJson) });
          return;
        }
        const [state, ended, deadlinePacked, follows] = await redis.hmget(
          key,
          FLOW_FIELDS.state,
          FLOW_FIELDS.ended,
          FLOW_FIELDS.deadline,
          FLOW_FIELDS.machineVersion,
        );
        if (state === null || ended !== null) return;
        let counted: FlowCensus | undefined;
        if (census) {
          const cell = `${machine}\u0000${state}`;
          counted = census.get(cell) ?? { machine, state: state ?? "", flows: 0, queued: 0 };
          census.set(cell, counted);
          counted.flows++;
        }
        const deadline = parseDeadline(deadlinePacked, space, machine, flowId, options.timerShards ?? DEFAULT_TIMER_SHARDS);
        if (deadline && at - deadline.due > graceMs) {
          // NX: a deadline still in its shard is due or leased to a live claimer already; only a lost one is put back.
          const redelivered = options.redeliver === true && (await redis.zadd(deadline.key, "NX", at, deadline.member)) === 1;
          result.pastDeadline.push({ machine, flowId, state: state ?? "", due: deadline.due, overdueMs: at - deadline.due, redelivered });
        }
        const [queued, head] = await Promise.all([redis.llen(flow.queue), redis.lindex(flow.queue, 0)]);
        if (counted) counted.queued += queued;
        if (queued === 0 || !head) return;
        // The lock is read only for flows with queued events: few, next to the keys scanned.
        const lock = await readLock(redis, flow.lock, options.lockServers);
        const record = parseJson(head) as { seq?: unknown; at?: unknown; event?: { type?: unknown } } | null;
        const waitedMs = typeof record?.at === "number" ? at - record.at : Number.POSITIVE_INFINITY;
        const version = Number(follows ?? 0);
        // A held lock says more (a holder, hung or not) than which versions are advertised.
        if (!lock && waitedMs > lockTtlMs && version > 0) {
          const live = await runnable(machine);
          if (!live.has(version)) {
            result.unrunnable.push({ machine, flowId, version, runnable: [...live].sort((a, b) => a - b), queued, oldestMs: waitedMs });
            return;
          }
        }
        if (!lock) {
          if (waitedMs > lockTtlMs) result.orphanedQueues.push({ machine, flowId, queued, oldestMs: waitedMs });
        } else if (waitedMs > hungAfterMs) {
          result.hungHolders.push({
            machine,
            flowId,
            holder: lock.holder,
            headSeq: typeof record?.seq === "number" ? record.seq : undefined,
            headType: typeof record?.event?.type === "string" ? record.event.type : undefined,
            waitedMs,
            lockTtlMs: lock.ttlMs,
          });
        }
      }),
    );
  }

  const byFlow = (a: { machine: string; flowId: string }, b: { machine: string; flowId: string }) => (a.machine + a.flowId < b.machine + b.flowId ? -1 : 1);
  result.pastDeadline.sort(byFlow);
  result.orphanedQueues.sort(byFlow);
  result.hungHolders.sort(byFlow);
  result.unrunnable.sort(byFlow);
  result.deadLettered.sort(byFlow);
  if (census) result.census = [...census.values()].sort((a, b) => (a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : a.state < b.state ? -1 : 1));
  result.counts = {
    pastDeadline: result.pastDeadline.length,
    orphanedQueues: result.orphanedQueues.length,
    hungHolders: result.hungHolders.length,
    unrunnable: result.unrunnable.length,
    deadLettered: result.deadLettered.length,
    deadLetteredEvents: result.deadLettered.reduce((n, f) => n + f.events.length, 0),
  };
  return result;
}

export interface WatchdogOptions extends StuckFlowsOptions {
  /** Time between two scans, ms. Each scan walks every key of the database: keep it long. */
  intervalMs?: number;
  /** Receives each scan's findings (metrics, logs). */
  onReport?: (report: StuckFlows) => void;
  onError?: (error: unknown) => void;
}

/**
 * Runs listStuckFlows periodically in a runtime process, redelivering overdue deadlines by default,
 * so every flow with a deadline ends even if its deadline timer was lost. Returns a stop function
 * that waits for a scan in progress.
 */
export function startWatchdog(redis: WatchdogRedis, options: WatchdogOptions = {}): () => Promise<void> {
  // A keyPrefix the scans would refuse is refused now.
  keySpaceOf([redis, ...(options.lockServers ?? [])], options.keyPrefix, "startWatchdog option keyPrefix");
  const intervalMs = options.intervalMs ?? 60_000;
  let running: Promise<void> | undefined;
  let stopped = false;
  const scan = () => {
    if (running || stopped) return;
    running = listStuckFlows(redis, { redeliver: true, ...options })
      .then((report) => options.onReport?.(report))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => (running = undefined));
  };
  // Jittered so many processes started together do not scan together.
  const timer = setInterval(scan, intervalMs * (0.9 + Math.random() * 0.2));
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
