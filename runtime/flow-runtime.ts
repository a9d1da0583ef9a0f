// FlowRuntime: registers machines, acknowledges events after durable enqueue, and runs drains, the sweeper and timers.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import { asRedisError, closeConnection, connect, waitUntilReachable, type Connection, type FlowRedis } from "./connection.js";
import type { HandlersOf, MachineDefinition } from "./definition.js";
import type { Deployment } from "./deployment.js";
import { drainFlow, type DrainHost, type RegisteredMachine } from "./drain.js";
import { FlowClosedError, FlowExistsError, FlowNotFoundError, FlowRuntimeError, InternalError, RuntimeClosedError } from "./errors.js";
import { readFlowHash } from "./flow-hash.js";
import { Heartbeats } from "./heartbeat.js";
import { FlowClient, type AnyMachineDefinition, type FlowGateway, type FlowSnapshot, type SendOptions } from "./flow-client.js";
import { assertFlowId, KeySpace, type FlowKeys, pendingMember } from "./keys.js";
import { FlowLocalLease, type Lease } from "./lease.js";
import { MachineRegistry } from "./machine-registry.js";
import { emptyCounters, emptyWatchdogMetrics, type RuntimeMetrics, type WatchdogMetrics } from "./metrics.js";
import { resolveOptions, type ErrorContext, type FlowRuntimeOptions, type RegisterOptions, type ResolvedOptions, type UnhandledEvent } from "./options.js";
import { PendingIndex } from "./pending-index.js";
import { RedlockOwnership, type RedlockHost } from "./redlock-ownership.js";
import { ReplicationWaits } from "./replication.js";
import { claimFlow, defineFlowScripts, HotPathScripts, recordAttempt, removePending, startFlow, type EnqueueReply, type Snapshot } from "./scripts.js";
import { Sweeper } from "./sweeper.js";
import { TimerService, TimerStore, type DueTimer, type TimerServiceStats } from "./timers/index.js";
import { queuedTimerEvent } from "./timer-events.js";
import { hungHolderAfterMs, startWatchdog, type StuckFlows } from "./watchdog.js";
import type { Attempt, CallableHandlers } from "./transition.js";
import { checkPermissions } from "./permissions.js";
import { RuntimePrometheus, type MetricsServer, type MetricsServerOptions } from "./prometheus.js";
import { WatchdogLease } from "./watchdog-lease.js";
import type { Registry } from "prom-client";

/*
 * The parts of a runtime, each in its own module: deployment.ts decides its modes once, from the
 * options; machine-registry.ts keeps the machines and versions it runs; pending-index.ts the ZADDs
 * that list its flows for the sweeper; replication.ts the WAITs of consistency `replicated`;
 * redlock-ownership.ts the lock servers of Redlock mode; drain.ts the drain of one flow it holds;
 * sweeper.ts, timers/ and watchdog.ts the background work. This class ties them together: the
 * ack of each event, which process drains it, and the runtime's life from start() to close().
 */

type Machine = RegisteredMachine;

type Phase = "created" | "starting" | "running" | "closing" | "closed";

const noop = () => undefined;

/** Failures of code or data rather than of Redis (the client raises none of these). */
function isProgramError(error: unknown): error is Error {
  return error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError || error instanceof ReferenceError;
}

export class FlowRuntime {
  private readonly options: ResolvedOptions;
  /** Lock mode, topology and consistency: decided once, when the runtime is constructed. */
  private readonly deployment: Deployment;
  private readonly connection: Connection;
  /** Every key this runtime names: the keyPrefix of its ioredis options, taken out of them (connection.ts). */
  private readonly keys: KeySpace;
  /** Present in Redlock mode only (`deployment.lock`): the lock servers, and how flows are taken there. */
  private readonly redlock: RedlockOwnership | undefined;
  /** The WAITs acks share; used with consistency `replicated` only. */
  private readonly replication: ReplicationWaits;
  private readonly pending: PendingIndex;
  private readonly registry: MachineRegistry;
  private readonly timerStore: TimerStore;
  private timerService: TimerService | undefined;
  private sweeper: Sweeper | undefined;
  private stopWatchdog: (() => Promise<void>) | undefined;
  /** Whether this process exports the deployment gauges of its watchdog's scans (watchdog-lease.ts). */
  private watchdogLease: WatchdogLease | undefined;
  private readonly prometheus: RuntimePrometheus;
  private readonly watchdog: WatchdogMetrics = emptyWatchdogMetrics();
  private readonly counters = emptyCounters();
  private phase: Phase = "created";
  /** Work in flight that close() awaits: the rarer kinds as promises, sends and drains (the hot path) by count. */
  private readonly inflight = new Set<Promise<unknown>>();
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  /** Flows this process is draining now (pending members). */
  private readonly draining = new Set<string>();
  private readonly sleepers = new Set<() => void>();
  private readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private tokens = 0;
  private readonly host: DrainHost;
  private readonly heartbeats: Heartbeats;
  private readonly hotPath: HotPathScripts;
  /** Attempts whose handlers run asynchronously now (drain.ts); counted and aborted when close() stops waiting for them. */
  private readonly running = new Map<Attempt, { keys: FlowKeys; epoch: number; head: boolean }>();
  /** The one shutdown every close() call returns. */
  private closing: Promise<void> | undefined;

  constructor(private readonly config: FlowRuntimeOptions) {
    this.options = resolveOptions(config);
    this.deployment = this.options.deployment;
    const { connectTimeoutMs, replicas, replicationTimeoutMs } = this.options;
    // WAIT blocks for up to its own timeout: the command bound must not cut it short.
    const commandTimeoutMs =
      this.deployment.consistency === "replicated" ? Math.max(this.options.commandTimeoutMs, replicationTimeoutMs + 1_000) : this.options.commandTimeoutMs;
    this.connection = connect(config.redis, { commandTimeoutMs, connectTimeoutMs, option: "redis" });
    this.keys = new KeySpace(this.connection.keyPrefix);
    defineFlowScripts(this.redis);
    const { lockTtlMs: ttlMs, batch, seenTtlMs, seenMax, retentionMs, deadLetterMax, flowsPerCall } = this.options;
    this.hotPath = new HotPathScripts(this.redis, { ttlMs, batch, seenTtlMs, seenMax, retentionMs, deadLetterMax, flowsPerCall, lock: this.deployment.lock });
    this.pending = new PendingIndex(this.redis, this.keys, {
      sweepIntervalMs: this.options.sweepIntervalMs,
      shards: this.options.pendingShards,
      consistency: this.deployment.consistency,
    });
    this.replication = new ReplicationWaits(this.connection, replicas, replicationTimeoutMs);
    this.prometheus = new RuntimePrometheus(() => this.watchdogLease?.held() ?? false);
    this.registry = new MachineRegistry(
      this.connection,
      this.keys,
      this.options,
      this.counters,
      (error, context) => this.reportError(error, context),
      (definition) => this.prometheus.machine(definition.name, definition.states),
    );
    this.redlock =
      this.deployment.lock === "redlock"
        ? new RedlockOwnership(this.redlockHost(), config.locks ?? [], { lockTtlMs: ttlMs, connectTimeoutMs, keys: this.keys })
        : undefined;
    this.timerStore = new TimerStore(this.redis, { shards: this.options.timerShards, keys: this.keys });
    this.heartbeats = new Heartbeats(Math.max(50, Math.floor(this.options.lockTtlMs / 3)), () => void this.counters.lockLost++);
    const runtime = this;
    this.host = {
      redis: this.redis,
      scripts: this.hotPath,
      options: this.options,
      metrics: this.counters,
      timers: this.timerStore,
      heartbeats: this.heartbeats,
      get closing() {
        return runtime.phase === "closing" || runtime.phase === "closed";
      },
      sleep: (ms) => this.sleep(ms),
      reportError: (error, context) => this.reportError(error, context),
      reportUnhandled: (info) => this.reportUnhandled(info),
      reportTransition: config.onTransition ? (info) => this.callHook(() => config.onTransition?.(info)) : undefined,
      reportCommit: config.onCommit ? (info) => this.callHook(() => config.onCommit?.(info)) : undefined,
      drained: (member) => {
        this.draining.delete(member);
        this.finishedWork();
      },
      recheck: (machine, flowId) => {
        // Redlock mode only (drain.ts); after the drain that called this has returned and left `draining`.
        setImmediate(() => this.track(this.redlock!.recheck(machine, flowId)));
      },
      running: this.running,
      machineFor: (name, version) => this.registry.machineFor(name, version),
      leftVersion: (name, version, reason) => this.registry.leftVersion(name, version, reason),
    };
  }

  private get redis(): FlowRedis {
    return this.connection.redis;
  }

  /** What Redlock mode's taking of flows needs from this runtime. */
  private redlockHost(): RedlockHost {
    const runtime = this;
    return {
      redis: this.redis,
      keys: this.keys,
      batch: this.options.batch,
      counters: this.counters,
      get running() {
        return runtime.phase === "running";
      },
      machine: (name) => this.registry.newestOf(name),
      draining: (member) => this.draining.has(member),
      drain: (machine, flowId, keys, lease, snapshot) => this.spawnDrain(machine, flowId, keys, lease, snapshot),
      reportError: (error, context) => this.reportError(error, context),
      redisError: (error) => asRedisError(this.connection, error),
    };
  }

  /**
   * Registers a generated machine with its handlers; returns the client typed by the machine's
   * generated types. `options.handlerTimeoutMs` overrides the runtime's limit for this machine.
   */
  register<D extends AnyMachineDefinition>(definition: D, handlers: HandlersOf<D>, options: RegisterOptions = {}): FlowClient<D> {
    // The runtime executes the definition as plain data; the generated types only matter at the client.
    const machine = this.registry.add(definition as unknown as MachineDefinition, handlers as unknown as CallableHandlers, options);
    // Timer shards are per machine: this process's timer service claims from the machines it registered.
    this.timerStore.addMachine(definition.name);
    const gateway: FlowGateway = {
      start: (_name, flowId, context, options) => this.track(this.startFlow(machine, flowId, context, options)),
      send: (_name, flowId, event, options) => this.send(machine, flowId, event, options),
      get: (name, flowId) => this.read(name, flowId),
    };
    return new FlowClient(gateway, definition);
  }

  /**
   * The machine a flow of `version` runs on here: a registered version, or the definition stored in
   * Redis run with the newest registered version's handlers when they include every guard and action it
   * names; a reason when neither (machine-registry.ts).
   */
  machineFor(name: string, version: number): Machine | Promise<Machine | string> | string {
    return this.registry.machineFor(name, version);
  }

  /**
   * Connects (RedisUnavailableError naming the address after `connectTimeoutMs`), then runs this
   * process's share of the work: drains of the flows it enqueues to, the sweeper, the timer service.
   */
  async start(): Promise<void> {
    if (this.phase !== "created") {
      throw this.phase === "running" || this.phase === "starting"
        ? new FlowRuntimeError("RUNTIME_STARTED", "the flow runtime is already started")
        : new RuntimeClosedError();
    }
    this.phase = "starting";
    // close() may be called while this waits: then nothing is started, and this rejects.
    const stillOpen = () => {
      if (this.closing) throw new RuntimeClosedError();
    };
    try {
      await waitUntilReachable(this.connection, this.options.connectTimeoutMs);
      stillOpen();
      // Up front, rather than at the first send: the connected user's ACL allows all the runtime runs (one round trip).
      await checkPermissions(this.connection, { machines: this.registry.names(), replicated: this.deployment.consistency === "replicated", keys: this.keys });
      stillOpen();
      // Every registered version is stored (or found stored with the same content) before any flow is taken.
      await Promise.all(this.registry.all().map((m) => this.registry.stored(m)));
      await this.registry.advertise();
      await this.redlock?.connect();
      stillOpen();
    } catch (error) {
      // A failed start may be tried again; a closed runtime stays closed.
      if (this.phase === "starting") this.phase = "created";
      throw error;
    }
    this.registry.startAdvertising();
    this.phase = "running";
    this.timerService = new TimerService(this.redis, this.timerStore, (timer) => this.deliverTimer(timer), {
      pollMs: this.options.timerPollMs,
      leaseMs: this.options.timerLeaseMs,
      onError: (error, context) =>
        this.reportError(asRedisError(this.connection, error), {
          machine: context.timer?.machine ?? "",
          flowId: context.timer?.flowId ?? "",
          attempt: 0,
          phase: "timer",
        }),
    });
    this.timerService.start();
    this.sweeper = new Sweeper({
      redis: this.redis,
      keys: this.keys,
      shards: this.options.pendingShards,
      intervalMs: this.options.sweepIntervalMs,
      sweep: (machine, flowId, key, member, score, removable) => this.sweep(machine, flowId, key, member, score, removable),
      reportError: (error) => this.reportError(asRedisError(this.connection, error), { machine: "", flowId: "", attempt: 0, phase: "sweep" }),
    });
    this.sweeper.start();
    this.stopWatchdog = startWatchdog(this.redis, {
      intervalMs: this.options.watchdogIntervalMs,
      lockTtlMs: this.options.lockTtlMs,
      // A deadline claimed by a process that died is delivered again by the timer service itself once its lease ends.
      graceMs: this.options.timerLeaseMs,
      timerShards: this.options.timerShards,
      keyPrefix: this.keys.prefix,
      // Redlock mode: the lock lives on the lock servers, never beside the flow.
      ...(this.deployment.lock === "redlock" ? { lockServers: this.redlock!.servers } : {}),
      // A holder whose head event waited longer than a healthy one can keep it is hung.
      hungAfterMs: hungHolderAfterMs({
        handlerTimeoutMs: Math.max(this.options.handlerTimeoutMs, ...this.registry.all().map((m) => m.handlerTimeoutMs)),
        maxAttempts: this.options.maxAttempts,
        retryBaseMs: this.options.retryBaseMs,
        retryMaxMs: this.options.retryMaxMs,
        lockTtlMs: this.options.lockTtlMs,
      }),
      // The counts by machine and state the deployment gauges export: the scan reads them anyway.
      census: true,
      onReport: (report) => this.recordWatchdog(report),
      onError: (error) => this.reportError(asRedisError(this.connection, error), { machine: "", flowId: "", attempt: 0, phase: "watchdog" }),
    });
    this.watchdogLease = new WatchdogLease(this.redis, this.keys, this.instance, this.options.watchdogIntervalMs, (error) =>
      this.reportError(asRedisError(this.connection, error), { machine: "", flowId: "", attempt: 0, phase: "watchdog" }),
    );
    this.watchdogLease.start();
  }

  private recordWatchdog(report: StuckFlows): void {
    const w = this.watchdog;
    w.scans++;
    w.lastScanAt = report.at;
    w.pastDeadline = report.counts.pastDeadline;
    w.redelivered += report.pastDeadline.filter((f) => f.redelivered).length;
    w.orphanedQueues = report.counts.orphanedQueues;
    w.deadLettered = report.counts.deadLettered;
    w.deadLetteredEvents = report.counts.deadLetteredEvents;
    w.hungHolders = report.counts.hungHolders;
    w.unrunnable = report.counts.unrunnable;
    this.prometheus.recordScan(report);
  }

  /**
   * This runtime's Prometheus registry (prom-client), one per runtime: its counters and histograms
   * per machine, and, while this process holds the watchdog lease, the deployment's gauges.
   * docs/operations.md lists every metric.
   */
  get metricsRegistry(): Registry {
    return this.prometheus.registry;
  }

  /**
   * Serves `metricsRegistry` over HTTP (`GET /metrics` by default) on `host` (default 127.0.0.1) and
   * `port` (0: a free one, see the result's `port`). `close()` closes it too.
   */
  async serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
    this.assertOpen();
    const server = await this.prometheus.serve(options);
    // Closed while it was opening: close() has already closed the servers it knew of.
    if (this.phase === "closed") await server.close();
    return server;
  }

  /**
   * Stops taking work, lets drains in flight commit and hand their flows back, and closes every
   * connection. Every call returns the same promise. Bounded by `closeTimeoutMs`: handlers still
   * running then are abandoned (their `io.signal` aborted); their locks lapse and fencing refuses
   * any commit they would still make, so another process applies their events.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.phase = "closing";
    this.registry.stopAdvertising();
    for (const wake of this.sleepers) wake();
    const deadline = Date.now() + this.options.closeTimeoutMs;
    const settled = await this.within(
      deadline,
      (async () => {
        await this.stopWatchdog?.();
        await this.watchdogLease?.stop();
        await this.sweeper?.stop();
        await this.timerService?.stop();
        while (this.inflight.size > 0 || this.active > 0) await Promise.allSettled([...this.inflight, this.idle()]);
      })(),
    );
    if (!settled) {
      // Abandoned: each counted as begun, so the process that takes its flow over begins the next attempt.
      const abandoned = [...this.running];
      this.counters.abandonedOnClose += abandoned.length;
      await this.within(
        Date.now() + this.options.commandTimeoutMs,
        Promise.all(
          abandoned
            .filter(([, { head }]) => head)
            .map(([attempt, { keys, epoch }]) => recordAttempt(this.redis, keys, epoch, attempt.seq, attempt.attempt).catch(() => false)),
        ).then(noop),
      );
      for (const [attempt] of abandoned) attempt.abort(new RuntimeClosedError());
    }
    this.phase = "closed";
    this.heartbeats.stop();
    await Promise.all([closeConnection(this.redis), this.redlock?.close(), this.prometheus.close()]);
  }

  /** True when `work` settled before `deadline` (this process's clock), false when the deadline came first. */
  private async within(deadline: number, work: Promise<void>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    try {
      return await Promise.race([
        work.then(
          () => true,
          () => true,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A copy of this process's counters, its timer service's, and its watchdog's latest findings. */
  metrics(): RuntimeMetrics {
    const timers: TimerServiceStats = this.timerService
      ? { ...this.timerService.stats }
      : { claimed: 0, delivered: 0, deliverFailed: 0, acked: 0, ackMissed: 0, claimErrors: 0 };
    return { ...this.counters, timers, watchdog: { ...this.watchdog } };
  }

  /** Resolves once no send or drain is in flight. */
  private idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private finishedWork(): void {
    if (--this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    const forget = () => void this.inflight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private assertOpen(): void {
    if (this.phase === "closing" || this.phase === "closed") throw new RuntimeClosedError();
  }

  /** Not async itself: one async step per send (the enqueue) is enough; a refusal still comes back as a rejection. */
  private send(machine: Machine, flowId: string, event: unknown, options: SendOptions): Promise<void> {
    let eventJson: string;
    try {
      this.assertOpen();
      assertFlowId(flowId);
      machine.validator.checkEvent(event);
      eventJson = JSON.stringify(event);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = machine.definition.name;
    // A runtime that was never started stores its definitions at its first send of each.
    const storing = this.registry.stored(machine);
    if (storing) return storing.then(() => this.enqueue(name, flowId, eventJson, options.eventId ?? "", undefined));
    return this.enqueue(name, flowId, eventJson, options.eventId ?? "", undefined);
  }

  private async startFlow(machine: Machine, flowId: string, context: unknown, options: SendOptions): Promise<void> {
    this.assertOpen();
    assertFlowId(flowId);
    const name = machine.definition.name;
    machine.validator.checkStartContext(context);
    await this.registry.stored(machine);
    // A field given as undefined is a field not given: its default stays.
    const ctx: Record<string, unknown> = { ...machine.definition.contextDefaults };
    for (const [field, value] of Object.entries(context as object)) if (value !== undefined) ctx[field] = value;
    await this.enqueue(name, flowId, JSON.stringify({ type: "fsm.start" }), options.eventId ?? "", { ctxJson: JSON.stringify(ctx), machine });
  }

  /**
   * The ack: one round trip. The pending-index ZADD rides in front of the enqueue script on the
   * same connection, or is skipped while this process's own entry for the flow is fresh
   * (pending-index.ts). In single-instance mode the enqueue takes the flow's lock when it is free,
   * and this process drains the flow at once; in Redlock mode the lock is taken after the ack.
   */
  private async enqueue(
    name: string,
    flowId: string,
    eventJson: string,
    eventId: string,
    start: { ctxJson: string; machine: Machine } | undefined,
    internal = false,
  ): Promise<void> {
    // Counted rather than tracked as a promise: this runs for every event.
    this.active++;
    const began = performance.now();
    try {
      const keys = this.keys.flow(name, flowId);
      const registered = this.registry.newestOf(name);
      const processes = this.phase === "running" && registered !== undefined;
      // Only the lock beside the flow can be taken by the enqueue itself.
      const token = processes && this.deployment.lock === "single" ? this.newToken() : "";
      const member = pendingMember(name, flowId);
      const { lockTtlMs: ttlMs, batch, seenTtlMs, seenMax } = this.options;
      const decidedAt = Date.now();
      const indexed = this.pending.needsEntry(member, processes, decidedAt);
      let reply: EnqueueReply;
      try {
        const index = indexed ? this.pending.add(name, flowId, member, processes, decidedAt) : undefined;
        const enqueued = start
          ? startFlow(
              this.redis,
              keys,
              eventId,
              eventJson,
              token,
              ttlMs,
              batch,
              seenTtlMs,
              seenMax,
              start.machine.definition.initial,
              start.ctxJson,
              start.machine.definition.version,
            )
          : this.hotPath.enqueue(keys, eventId, eventJson, token);
        reply = index ? (await Promise.all([enqueued, index]))[0] : await enqueued;
        // A stall between the decision to skip and the enqueue reaching Redis may have outlasted the
        // entry's margin against removal: add it again rather than reason about how long it was.
        if (!indexed && this.pending.outlasted(decidedAt, Date.now())) await this.pending.add(name, flowId, member, processes, Date.now());
      } catch (error) {
        this.pending.forget(member);
        throw asRedisError(this.connection, error);
      }
      switch (reply.kind) {
        case "unknown":
          throw new FlowNotFoundError(name, flowId);
        case "closed":
          throw new FlowClosedError(name, flowId);
        case "exists":
          throw new FlowExistsError(name, flowId);
        case "duplicate":
          // The original may not be replicated yet: the WAIT below also covers it, because this
          // connection's pending-index write came after it in the replication stream.
          this.counters.duplicates++;
          if (this.deployment.consistency === "replicated" && !internal) await this.replication.confirm();
          return;
      }
      this.counters.enqueued++;
      const stats = (start?.machine ?? registered)?.stats;
      if (stats) stats.acked++;
      if (reply.kind === "locked" && registered) {
        this.spawnDrain(registered, flowId, keys, new FlowLocalLease(this.redis, keys, token, ttlMs, reply.snapshot.epoch), reply.snapshot, member);
      } else if (processes && this.deployment.lock === "redlock" && !this.draining.has(member)) {
        // Redlock mode: the lock steps are separate round trips, taken after the ack is secured.
        void this.track(this.redlock!.take(registered, flowId));
      }
      if (this.deployment.consistency === "replicated" && !internal) await this.replication.confirm();
      if (stats) stats.ackSeconds.observe((performance.now() - began) / 1000);
    } finally {
      this.finishedWork();
    }
  }

  private newToken(): string {
    return `${this.instance}:${++this.tokens}`;
  }

  private spawnDrain(
    machine: Machine,
    flowId: string,
    keys: FlowKeys,
    lease: Lease,
    snapshot: Snapshot,
    member = pendingMember(machine.definition.name, flowId),
  ): void {
    this.draining.add(member);
    this.active++;
    // drainFlow never rejects, and tells the host when it is done (DrainHost.drained): no promise per drain to follow.
    void drainFlow(this.host, machine, flowId, keys, member, lease, snapshot);
  }

  /**
   * The sweeper's look at a listed flow. Single-instance mode: claim.lua takes the lock beside the
   * flow when its queue has events and the lock is free. Redlock mode: redlock-ownership.ts.
   */
  private async sweep(name: string, flowId: string, key: string, member: string, score: string, removable: boolean): Promise<void> {
    const machine = this.registry.newestOf(name);
    if (!machine || this.phase !== "running" || this.draining.has(member)) return;
    if (this.deployment.lock === "redlock") return this.redlock!.sweep(machine, flowId, key, member, score, removable);
    const keys = this.keys.flow(name, flowId);
    const token = this.newToken();
    const claim = await claimFlow(this.redis, keys, token, this.options.lockTtlMs, this.options.batch);
    if (claim.kind === "empty" || claim.kind === "gone") {
      if (removable) await removePending(this.redis, key, member, score);
    } else if (claim.kind === "locked") {
      this.counters.swept++;
      this.spawnDrain(machine, flowId, keys, new FlowLocalLease(this.redis, keys, token, this.options.lockTtlMs, claim.snapshot.epoch), claim.snapshot, member);
    }
  }

  /** A due timer becomes an ordinary queued event of its flow; a flow that ended or expired just drops it. */
  private async deliverTimer(timer: DueTimer): Promise<void> {
    const { json, eventId } = queuedTimerEvent(timer);
    // `due` is Redis's clock, this is the process's: a skew between them reads as lateness (never below 0).
    const lateMs = Date.now() - timer.due;
    this.registry.newestOf(timer.machine)?.stats.timerLatenessSeconds.observe(lateMs > 0 ? lateMs / 1000 : 0);
    try {
      await this.enqueue(timer.machine, timer.flowId, json, eventId, undefined, true);
    } catch (error) {
      if (error instanceof FlowNotFoundError || error instanceof FlowClosedError) return;
      throw error;
    }
  }

  private async read(name: string, flowId: string): Promise<FlowSnapshot | undefined> {
    assertFlowId(flowId);
    let hash: Record<string, string>;
    try {
      hash = await this.redis.hgetall(this.keys.flow(name, flowId).state);
    } catch (error) {
      throw asRedisError(this.connection, error);
    }
    const flow = readFlowHash(hash);
    if (!flow) return undefined;
    return {
      machine: name,
      flowId,
      state: flow.state,
      context: JSON.parse(flow.ctx) as Record<string, unknown>,
      version: flow.version,
      status: flow.status,
      created: flow.created,
      updated: flow.updated,
      machineVersion: flow.machineVersion,
    };
  }

  private sleep(ms: number): Promise<void> {
    // Once closing, nothing waits: close() woke the sleepers there were, and wakes any later one at once.
    if (this.phase === "closing" || this.phase === "closed") return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Every error a hook sees is a FlowRuntimeError with a code; none are reported once close() has given up on the work. */
  private reportError(error: unknown, context: ErrorContext): void {
    if (this.phase === "closed") return;
    const reported = error instanceof FlowRuntimeError ? error : isProgramError(error) ? new InternalError(error) : asRedisError(this.connection, error);
    this.callHook(() => this.config.onError?.(reported, context));
  }

  private reportUnhandled(info: UnhandledEvent): void {
    this.callHook(() => this.config.onUnhandled?.(info));
  }

  private callHook(call: () => void): void {
    try {
      call();
    } catch {
      // A failing hook must not stop processing.
    }
  }
}
