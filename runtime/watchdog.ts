// The watchdog: finds flows past their deadline, queues nobody drains and dead-lettered events, and redelivers overdue deadlines.
import type { Cluster, Redis } from "ioredis";
import { FLOW_FIELDS } from "./flow-hash.js";
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

export interface DeadLetteredFlow {
  machine: string;
  flowId: string;
  /** The dead-letter records as stored (parsed JSON where they are JSON). */
  events: unknown[];
}

export interface StuckFlows {
  /** Redis TIME when the scan started, ms. */
  at: number;
  pastDeadline: PastDeadlineFlow[];
  orphanedQueues: OrphanedQueue[];
  deadLettered: DeadLetteredFlow[];
  /** The same, counted: what metrics export. */
  counts: { pastDeadline: number; orphanedQueues: number; deadLettered: number; deadLetteredEvents: number };
}

export interface StuckFlowsOptions {
  /** A queue whose oldest event waited longer than this with no lock is orphaned: the runtimes' lock TTL (FlowRuntime's default, 10 000). */
  lockTtlMs?: number;
  /** A deadline overdue by less than this is still in the timer service's hands, not stuck. */
  graceMs?: number;
  /** Put the deadline timer of each flow past its deadline back in its shard, due now (safe: it is delivered with a deduplicating event id). */
  redeliver?: boolean;
  /** Redlock mode: the lock servers. A lock counts as live when a quorum of them holds it (absent: the lock lives beside the flow). */
  lockServers?: readonly WatchdogRedis[];
  /** Shards of the timer sets (as configured in the runtimes); needed to read a packed deadline. */
  timerShards?: number;
  /** SCAN COUNT hint. */
  scanCount?: number;
}

type WatchdogRedis = Redis | Cluster;

const FLOW_KEY = /^fsm:\{([A-Za-z_][A-Za-z0-9_]*):(.*)\}:(s|dlq)$/s;

/** Every flow state hash and dead-letter list, by SCAN over each master (a cluster has several). Never on a hot path. */
async function* scanFlowKeys(redis: WatchdogRedis, count: number): AsyncGenerator<string[]> {
  const nodes: Redis[] = "nodes" in redis && typeof redis.nodes === "function" && (redis as Cluster).isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", "fsm:{*}:[sd]*", "COUNT", count);
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

/** The flow hash's `deadline`: packed (TimerStore.pack) or an ArmedTimer as JSON. */
function parseDeadline(text: string | null | undefined, machine: string, flowId: string, shards: number): (ArmedTimer & { due: number }) | undefined {
  if (!text) return undefined;
  let value: Partial<ArmedTimer> | undefined;
  try {
    value = unpackArmed(machine, flowId, text, shards)[0];
  } catch {
    return undefined;
  }
  if (!value || typeof value.due !== "number" || !Number.isFinite(value.due) || typeof value.member !== "string" || typeof value.key !== "string") return undefined;
  return value as ArmedTimer & { due: number };
}

async function lockIsLive(redis: WatchdogRedis, lockKey: string, lockServers: readonly WatchdogRedis[] | undefined): Promise<boolean> {
  if (!lockServers || lockServers.length === 0) return (await redis.exists(lockKey)) === 1;
  const held = await Promise.all(lockServers.map((server) => server.exists(lockKey).then((n) => n === 1, () => false)));
  return held.filter(Boolean).length > lockServers.length / 2;
}

/** Lists flows that need an operator (or the watchdog's redelivery): past their deadline, orphaned queues, dead letters. */
export async function listStuckFlows(redis: WatchdogRedis, options: StuckFlowsOptions = {}): Promise<StuckFlows> {
  const lockTtlMs = options.lockTtlMs ?? 10_000;
  const graceMs = options.graceMs ?? 5_000;
  const at = await redisNow(redis);
  const result: StuckFlows = { at, pastDeadline: [], orphanedQueues: [], deadLettered: [], counts: { pastDeadline: 0, orphanedQueues: 0, deadLettered: 0, deadLetteredEvents: 0 } };

  for await (const keys of scanFlowKeys(redis, options.scanCount ?? 1_000)) {
    await Promise.all(
      keys.map(async (key) => {
        const match = FLOW_KEY.exec(key);
        if (!match) return;
        const [, machine, flowId, suffix] = match as unknown as [string, string, string, "s" | "dlq"];
        const base = `fsm:{${machine}:${flowId}}`;
        if (suffix === "dlq") {
          const records = await redis.lrange(key, 0, -1);
          if (records.length > 0) result.deadLettered.push({ machine, flowId, events: records.map(parseJson) });
          return;
        }
        const [state, ended, deadlinePacked] = await redis.hmget(key, FLOW_FIELDS.state, FLOW_FIELDS.ended, FLOW_FIELDS.deadline);
        if (state === null || ended !== null) return;
        const deadline = parseDeadline(deadlinePacked, machine, flowId, options.timerShards ?? DEFAULT_TIMER_SHARDS);
        if (deadline && at - deadline.due > graceMs) {
          // NX: a deadline still in its shard is due or leased to a live claimer already; only a lost one is put back.
          const redelivered = options.redeliver === true && (await redis.zadd(deadline.key, "NX", at, deadline.member)) === 1;
          result.pastDeadline.push({ machine, flowId, state: state ?? "", due: deadline.due, overdueMs: at - deadline.due, redelivered });
        }
        const [queued, head] = await Promise.all([redis.llen(`${base}:q`), redis.lindex(`${base}:q`, 0)]);
        if (queued > 0 && head && !(await lockIsLive(redis, `${base}:lock`, options.lockServers))) {
          const enqueuedAt = (parseJson(head) as { at?: unknown } | null)?.at;
          const oldestMs = typeof enqueuedAt === "number" ? at - enqueuedAt : Number.POSITIVE_INFINITY;
          if (oldestMs > lockTtlMs) result.orphanedQueues.push({ machine, flowId, queued, oldestMs });
        }
      }),
    );
  }

  const byFlow = (a: { machine: string; flowId: string }, b: { machine: string; flowId: string }) => (a.machine + a.flowId < b.machine + b.flowId ? -1 : 1);
  result.pastDeadline.sort(byFlow);
  result.orphanedQueues.sort(byFlow);
  result.deadLettered.sort(byFlow);
  result.counts = {
    pastDeadline: result.pastDeadline.length,
    orphanedQueues: result.orphanedQueues.length,
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
