// The options of FlowRuntime, their defaults, and the hooks' argument shapes.
import type { RedisOptions } from "ioredis";

import type { RedisTarget } from "./connection.js";
import { decideDeployment, type Deployment } from "./deployment.js";
import { ConfigurationError } from "./errors.js";
import { DEFAULT_TIMER_SHARDS } from "./timers/store.js";

/** `fast`: ack when the primary has the event. `replicated`: ack after WAIT confirms `replicas` (default 1). */
export type Consistency = "fast" | "replicated" | { replicas: number; timeoutMs?: number };

export interface ErrorContext {
  machine: string;
  flowId: string;
  /** The event whose handlers failed; absent for lock and Redis errors. */
  event?: { readonly type: string };
  /** 1-based attempt of this event, counted across retries and processes (handler failures), else 0. */
  attempt: number;
  /** `version`: a flow follows a machine version this process cannot run, and is left to one that can. */
  phase: "handler" | "lock" | "commit" | "sweep" | "timer" | "watchdog" | "version";
}

export interface UnhandledEvent {
  machine: string;
  flowId: string;
  state: string;
  event: { readonly type: string };
}

/** One committed event that had an effect: an external transition (`from` → `to`), an internal one (`from` = `to`), or the start. */
export interface TransitionInfo {
  machine: string;
  flowId: string;
  /** The flow's event sequence of the event. */
  seq: number;
  /** Undefined for the start of the flow. */
  from: string | undefined;
  to: string;
  /** False for an internal transition (actions only, timers kept). */
  external: boolean;
  /** The event as the handlers saw it; a migration reports `{ type: "fsm.migrate", from, to }` (the versions) with `seq` 0. */
  event: { readonly type: string; readonly [field: string]: unknown };
}

/** One accepted commit: the flow's queued events `firstSeq` … `firstSeq + events - 1` are consumed (applied, unhandled, dropped or dead-lettered). */
export interface CommitInfo {
  machine: string;
  flowId: string;
  /** The flow's version after the commit (the count of events applied with an effect). */
  version: number;
  /** Queue sequence of the first event the commit consumed (1 = the start event). */
  firstSeq: number;
  /** How many queued events it consumed (0 for a commit that only released the flow). */
  events: number;
}

export interface FlowRuntimeOptions {
  /**
   * The flows' Redis: a URL (`redis://host:port`), ioredis options, or `{ cluster: [seed nodes] }` for a Redis Cluster.
   * Its `keyPrefix` (of the ioredis options, of a Cluster's options or their redisOptions, or a URL's `?keyPrefix=`)
   * namespaces the runtime: every key it uses starts with it, and runtimes with other prefixes share the Redis without
   * seeing each other's flows. A string without `{` or `}` (ConfigurationError otherwise).
   */
  redis: RedisTarget;
  /**
   * Redlock mode: independent Redis masters for the processor lock (quorum). Absent: the lock lives beside the flow.
   * The locks are named in the flows' key space; a lock server's own `keyPrefix`, if any, must be the same.
   */
  locks?: readonly (string | RedisOptions)[];
  /** Processor lock time to live; a heartbeat extends it while actions run. Default 10 000. */
  lockTtlMs?: number;
  consistency?: Consistency;
  /** How long an ended flow stays readable (`get`, `inspect`) before Redis expires it, in ms. Default 24 h. */
  retention?: number;
  /** How long an explicit event id is remembered for idempotent retries. Default 24 h. */
  idempotencyWindowMs?: number;
  /** Most event ids remembered per flow. Default 1 000. */
  idempotencyMaxIds?: number;
  /** Most events applied per commit. Default 32. */
  batch?: number;
  /**
   * Most flows whose enqueues (or commits) issued in the same tick share one script call. Sharing
   * makes an event cheaper for this process and for Redis when many flows are active; each flow's
   * step in a shared call is the same as alone. 1 sends every step on its own. Always 1 on a Redis
   * Cluster, where one call must stay in one slot. Default 128.
   */
  flowsPerCall?: number;
  /**
   * Handler failures (a throw, a rejection, a time-out, a result that cannot be committed): attempts
   * before the event is dead-lettered, and the exponential backoff between them. Attempts are counted
   * per event in Redis, across retries and processes.
   */
  retry?: { maxAttempts?: number; baseMs?: number; maxMs?: number };
  /**
   * Time limit of one attempt's handlers (the guards and actions one event runs), in ms. Past it the
   * attempt fails with HandlerTimeoutError, the actions' `io.signal` is aborted, and the event is
   * retried and dead-lettered like any failure. `register(…, { handlerTimeoutMs })` overrides it per
   * machine. Synchronous handlers cannot be interrupted: one that blocks the event loop stops the
   * heartbeat, its lock lapses, and the takeover counts the attempt. Default 30 000.
   */
  handlerTimeoutMs?: number;
  /**
   * Bound on `close()`, in ms: how long it waits for drains in flight to commit and hand their flows
   * back. Handlers still running then are abandoned (their `io.signal` aborted); their locks lapse and
   * fencing refuses their commits. Default 10 000.
   */
  closeTimeoutMs?: number;
  /** Most dead letters kept per flow. Default 1 000. */
  deadLetterMax?: number;
  /** How often the sweeper looks for flows whose owner died. Default 1 000. */
  sweepIntervalMs?: number;
  /** Shards of the pending index; every process of a deployment must agree. Default 8. */
  pendingShards?: number;
  /** Shards of each machine's timer sets; every process of a deployment must agree. Default 4 (timers/store.ts says why). */
  timerShards?: number;
  /** How often an idle timer shard is polled. Default 50. */
  timerPollMs?: number;
  /**
   * How long a timer claimed by a process stays its own, in ms: if that process dies before
   * delivering it, another process delivers it once this lease ends. Longer delays the timers
   * of a killed process; shorter risks a slow (not dead) process's timer being delivered twice
   * (the second delivery is then dropped by its event id). Default 5 000.
   */
  timerLeaseMs?: number;
  /** How often the watchdog scans for stuck flows (past their deadline, orphaned queues, dead letters), in ms. Each scan walks every key. Default 60 000. */
  watchdogIntervalMs?: number;
  /** Bound on reaching Redis at `start()`. Default 3 000. */
  connectTimeoutMs?: number;
  /** Bound on any one Redis command (a send while Redis is away fails after it). Default 5 000. */
  commandTimeoutMs?: number;
  onUnhandled?: (info: UnhandledEvent) => void;
  /** Told about every event committed with an effect, in commit order per flow. */
  onTransition?: (info: TransitionInfo) => void;
  /** Told about every commit Redis accepted, after it replied: which queued events it consumed. */
  onCommit?: (info: CommitInfo) => void;
  onError?: (error: unknown, context: ErrorContext) => void;
}

/** Per-machine options of `runtime.register`. */
export interface RegisterOptions {
  /** This machine's handler time limit, in ms; default: the runtime's `handlerTimeoutMs`. */
  handlerTimeoutMs?: number;
}

export interface ResolvedOptions {
  /** Lock mode, topology and consistency, decided here once (deployment.ts). */
  deployment: Deployment;
  handlerTimeoutMs: number;
  closeTimeoutMs: number;
  lockTtlMs: number;
  replicas: number;
  replicationTimeoutMs: number;
  retentionMs: number;
  seenTtlMs: number;
  seenMax: number;
  batch: number;
  flowsPerCall: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  deadLetterMax: number;
  sweepIntervalMs: number;
  pendingShards: number;
  timerShards: number;
  timerPollMs: number;
  timerLeaseMs: number;
  watchdogIntervalMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A positive finite number option (ConfigurationError naming it otherwise). */
export function positiveOption(name: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
    throw new ConfigurationError(`FlowRuntime option ${name} must be a positive number, got ${typeof v === "number" ? v : JSON.stringify(v)}`);
  return v;
}

const positive = positiveOption;

/** A time span handed to setTimeout, which fires at once for anything past 2^31 - 1 ms (about 24.8 days). */
export function timerOption(name: string, value: unknown, fallback: number): number {
  const v = positive(name, value, fallback);
  if (v > 2_147_483_647) throw new ConfigurationError(`FlowRuntime option ${name} must be at most 2147483647 ms (about 24.8 days), got ${v}`);
  return v;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  const v = positive(name, value, fallback);
  if (!Number.isInteger(v)) throw new ConfigurationError(`FlowRuntime option ${name} must be a whole number, got ${v}`);
  return v;
}

export function resolveOptions(o: FlowRuntimeOptions): ResolvedOptions {
  const deployment = decideDeployment(o);
  const consistency = o.consistency ?? "fast";
  // How many replicas `replicated` waits for; none in `fast`.
  const replicas = deployment.consistency === "fast" ? 0 : typeof consistency === "object" ? positive("consistency.replicas", consistency.replicas, 1) : 1;
  const replicationTimeoutMs = typeof consistency === "object" ? positive("consistency.timeoutMs", consistency.timeoutMs, 1_000) : 1_000;
  const lockTtlMs = positive("lockTtlMs", o.lockTtlMs, 10_000);
  if (deployment.consistency === "replicated" && deployment.topology === "cluster") {
    // WAIT counts the replicas of the one node the connection wrote to; a Cluster client spreads writes over many.
    throw new ConfigurationError('FlowRuntime option consistency: "replicated" is not supported on a Redis Cluster target');
  }
  if (deployment.lock === "redlock" && lockTtlMs < 300) throw new ConfigurationError("FlowRuntime option lockTtlMs must be at least 300 in Redlock mode");
  return {
    deployment,
    handlerTimeoutMs: timerOption("handlerTimeoutMs", o.handlerTimeoutMs, 30_000),
    closeTimeoutMs: timerOption("closeTimeoutMs", o.closeTimeoutMs, 10_000),
    lockTtlMs,
    replicas,
    replicationTimeoutMs,
    retentionMs: positive("retention", o.retention, DAY_MS),
    seenTtlMs: positive("idempotencyWindowMs", o.idempotencyWindowMs, DAY_MS),
    seenMax: positive("idempotencyMaxIds", o.idempotencyMaxIds, 1_000),
    batch: positive("batch", o.batch, 32),
    // A script call stays in one slot: on a Cluster each call carries one flow.
    flowsPerCall: deployment.topology === "cluster" ? 1 : positiveInteger("flowsPerCall", o.flowsPerCall, 128),
    maxAttempts: positiveInteger("retry.maxAttempts", o.retry?.maxAttempts, 5),
    retryBaseMs: positive("retry.baseMs", o.retry?.baseMs, 100),
    retryMaxMs: positive("retry.maxMs", o.retry?.maxMs, 10_000),
    deadLetterMax: positive("deadLetterMax", o.deadLetterMax, 1_000),
    sweepIntervalMs: positive("sweepIntervalMs", o.sweepIntervalMs, 1_000),
    pendingShards: positive("pendingShards", o.pendingShards, 8),
    timerShards: positive("timerShards", o.timerShards, DEFAULT_TIMER_SHARDS),
    timerPollMs: positive("timerPollMs", o.timerPollMs, 50),
    timerLeaseMs: positive("timerLeaseMs", o.timerLeaseMs, 5_000),
    watchdogIntervalMs: positive("watchdogIntervalMs", o.watchdogIntervalMs, 60_000),
    connectTimeoutMs: positive("connectTimeoutMs", o.connectTimeoutMs, 3_000),
    commandTimeoutMs: positive("commandTimeoutMs", o.commandTimeoutMs, 5_000),
  };
}
