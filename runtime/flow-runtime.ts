// FlowRuntime: registers machines, acknowledges events after durable enqueue, and runs drains, the sweeper and timers.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import { asRedisError, closeConnection, connect, waitUntilReachable, type Connection, type FlowRedis } from "./connection.js";
import type { HandlersOf, MachineDefinition } from "./definition.js";
import { sendDirect } from "./direct-command.js";
import { drainFlow, type DrainHost, type RegisteredMachine } from "./drain.js";
import {
  ConfigurationError, FlowClosedError, FlowExistsError, FlowNotFoundError, FlowRuntimeError, HandlerMissingError, MachineRegistrationError, ReplicationError, RuntimeClosedError,
  InternalError, VersionConflictError, VersionUnavailableError,
} from "./errors.js";
import { loadDefinition, storeDefinition, storedVersions } from "./definition-store.js";
import { advertiseVersions } from "./runners.js";
import { readFlowHash } from "./flow-hash.js";
import { Heartbeats } from "./heartbeat.js";
import { FlowClient, type AnyMachineDefinition, type FlowGateway, type FlowSnapshot, type SendOptions } from "./flow-client.js";
import { assertFlowId, KeySpace, type FlowKeys, pendingEligibleMs, pendingMember, pendingShard } from "./keys.js";
import { FlowLocalLease, RedlockLocks, type Lease } from "./lease.js";
import { emptyCounters, emptyWatchdogMetrics, type RuntimeMetrics, type WatchdogMetrics } from "./metrics.js";
import { resolveOptions, timerOption, type ErrorContext, type FlowRuntimeOptions, type RegisterOptions, type ResolvedOptions, type UnhandledEvent } from "./options.js";
import { claimFlow, defineFlowScripts, fenceFlow, HotPathScripts, recordAttempt, removePending, startFlow, type EnqueueReply, type Snapshot } from "./scripts.js";
import { Sweeper } from "./sweeper.js";
import { TimerService, TimerStore, type DueTimer, type TimerServiceStats } from "./timers/index.js";
import { queuedTimerEvent } from "./timer-events.js";
import { hungHolderAfterMs, startWatchdog, type StuckFlows } from "./watchdog.js";
import type { Attempt, CallableHandlers } from "./transition.js";
import { checkPermissions } from "./permissions.js";
import { PayloadValidator } from "./validation.js";
import { reservedNameIn } from "./definition-check.js";

type Machine = RegisteredMachine;

type Phase = "created" | "starting" | "running" | "closing" | "closed";

const noop = () => undefined;

/** Failures of code or data rather than of Redis (the client raises none of these). */
function isProgramError(error: unknown): error is Error {
  return error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError || error instanceof ReferenceError;
}

export class FlowRuntime {
  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  /** Every key this runtime names: the keyPrefix of its ioredis options, taken out of them (connection.ts). */
  private readonly keys: KeySpace;
  private readonly lockConnections: Connection[];
  private readonly redlock: RedlockLocks | undefined;
  private readonly timerStore: TimerStore;
  private timerService: TimerService | undefined;
  private sweeper: Sweeper | undefined;
  private stopWatchdog: (() => Promise<void>) | undefined;
  private readonly watchdog: WatchdogMetrics = emptyWatchdogMetrics();
  private readonly machines = new Map<string, Machine>();
  private readonly counters = emptyCounters();
  private phase: Phase = "created";
  /** Work in flight that close() awaits: the rarer kinds as promises, sends and drains (the hot path) by count. */
  private readonly inflight = new Set<Promise<unknown>>();
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  /** Flows this process is draining now (pending members). */
  private readonly draining = new Set<string>();
  private readonly sleepers = new Set<() => void>();
  /** Pending member → when this process last added it (its clock, ms). */
  private readonly pendingAdded = new Map<string, number>();
  private readonly pendingRefreshMs: number;
  /** The WAIT in flight on the connection, and the one that acks arriving meanwhile share. */
  private replicationWait: Promise<number> | undefined;
  private queuedReplicationWait: Promise<number> | undefined;
  private readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private tokens = 0;
  private readonly host: DrainHost;
  private readonly heartbeats: Heartbeats;
  private readonly hotPath: HotPathScripts;
  /** Attempts whose handlers run asynchronously now (drain.ts); counted and aborted when close() stops waiting for them. */
  private readonly running = new Map<Attempt, { keys: FlowKeys; epoch: number; head: boolean }>();
  /** The one shutdown every close() call returns. */
  private closing: Promise<void> | undefined;
  /** Machine name → version → registered machine; `machines` holds the newest of each. */
  private readonly versions = new Map<string, Map<number, Machine>>();
  /** Registered versions whose definition is stored in Redis, and the stores in flight. */
  private readonly storedMachines = new WeakSet<Machine>();
  private readonly storing = new Map<Machine, Promise<void>>();
  /** `<machine>\0<version>` → an older (or newer) version this process runs from its stored definition, or why not. */
  private readonly pinned = new Map<string, { machine: Promise<Machine | string>; until: number }>();
  private readonly toldUnavailable = new Set<string>();
  private advertiser: NodeJS.Timeout | undefined;

  constructor(private readonly config: FlowRuntimeOptions) {
    this.options = resolveOptions(config);
    this.pendingRefreshMs = Math.floor(this.options.sweepIntervalMs / 4);
    const { connectTimeoutMs, replicas, replicationTimeoutMs } = this.options;
    // WAIT blocks for up to its own timeout: the command bound must not cut it short.
    const commandTimeoutMs = replicas > 0 ? Math.max(this.options.commandTimeoutMs, replicationTimeoutMs + 1_000) : this.options.commandTimeoutMs;
    this.connection = connect(config.redis, { commandTimeoutMs, connectTimeoutMs, option: "redis" });
    this.keys = new KeySpace(this.connection.keyPrefix);
    defineFlowScripts(this.redis);
    const { lockTtlMs: ttlMs, batch, seenTtlMs, seenMax, retentionMs, deadLetterMax, flowsPerCall } = this.options;
    // On a Cluster a flow's timer shard is another slot than the flow: its commit cannot arm timers there.
    const timersInCommit = !(typeof config.redis === "object" && "cluster" in config.redis);
    this.hotPath = new HotPathScripts(this.redis, { ttlMs, batch, seenTtlMs, seenMax, retentionMs, deadLetterMax, flowsPerCall, timersInCommit });
    // Lock servers must fail fast when down (no offline queue): a quorum of the others still decides.
    this.lockConnections = (config.locks ?? []).map((target, i) =>
      connect(target, { commandTimeoutMs: Math.max(100, Math.floor(this.options.lockTtlMs / 4)), connectTimeoutMs, offlineQueue: false, option: `locks[${i}]` }),
    );
    // A lock has one name on every lock server: the flow's lock key, in the flows' key space.
    const lockPrefix = this.lockConnections.findIndex((c) => c.keyPrefix !== "" && c.keyPrefix !== this.keys.prefix);
    if (lockPrefix >= 0) throw new ConfigurationError(`FlowRuntime option locks[${lockPrefix}].keyPrefix must be that of the redis option (${JSON.stringify(this.keys.prefix)}) or none: a flow's lock has the same name on every lock server`);
    this.redlock = this.lockConnections.length > 0 ? new RedlockLocks(this.lockConnections.map((c) => c.redis), this.options.lockTtlMs) : undefined;
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
        // After the drain that called this has returned and left `draining`.
        setImmediate(() => this.track(this.recheck(machine, flowId)));
      },
      running: this.running,
      machineFor: (name, version) => this.machineFor(name, version),
      leftVersion: (name, version, reason) => this.leftVersion(name, version, reason),
    };
  }

  private get redis(): FlowRedis {
    return this.connection.redis;
  }

  /**
   * Registers a generated machine with its handlers; returns the client typed by the machine's
   * generated types. `options.handlerTimeoutMs` overrides the runtime's limit for this machine.
   */
  register<D extends AnyMachineDefinition>(definition: D, handlers: HandlersOf<D>, options: RegisterOptions = {}): FlowClient<D> {
    const versions = this.versions.get(definition.name) ?? new Map<number, Machine>();
    if (versions.has(definition.version)) throw new MachineRegistrationError(`machine ${definition.name} version ${definition.version} is already registered in this runtime`);
    // The runtime executes the definition as plain data; the generated types only matter at the client.
    const data = definition as unknown as MachineDefinition;
    const reserved = reservedNameIn(data);
    if (reserved) throw new ConfigurationError(`machine ${definition.name}: ${reserved}`);
    const callable = handlers as unknown as CallableHandlers;
    for (const name of definition.guards) if (typeof callable.guards?.[name] !== "function") throw new HandlerMissingError(definition.name, "guard", name);
    for (const name of definition.actions) if (typeof callable.actions?.[name] !== "function") throw new HandlerMissingError(definition.name, "action", name);
    const handlerTimeoutMs = timerOption(`register(${definition.name}).handlerTimeoutMs`, options.handlerTimeoutMs, this.options.handlerTimeoutMs);
    const machine: Machine = { definition: data, handlers: callable, validator: new PayloadValidator(data), handlerTimeoutMs };
    // Several versions of one machine may be registered: new flows of the machine start on the newest,
    // or on the version of the client they are started with; each flow runs on the version it started on.
    versions.set(definition.version, machine);
    this.versions.set(definition.name, versions);
    const newest = this.machines.get(definition.name);
    if (!newest || newest.definition.version < definition.version) this.machines.set(definition.name, machine);
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
   * Stores the definition in Redis under its version (VersionConflictError when that version is stored
   * with other content). Once per registered version: undefined once it is stored, else the store in flight.
   */
  private stored(machine: Machine): Promise<void> | undefined {
    if (this.storedMachines.has(machine)) return undefined;
    let storing = this.storing.get(machine);
    if (!storing) {
      storing = storeDefinition(this.redis, this.keys, machine.definition).then(
        () => {
          this.storedMachines.add(machine);
          this.storing.delete(machine);
        },
        (error: unknown) => {
          // A conflict stays refused; a Redis failure is tried again by the next call.
          if (!(error instanceof VersionConflictError)) this.storing.delete(machine);
          throw error instanceof FlowRuntimeError ? error : asRedisError(this.connection, error);
        },
      );
      this.storing.set(machine, storing);
    }
    return storing;
  }

  /**
   * The machine a flow of `version` runs on here: a registered version, or the definition stored in
   * Redis run with the newest registered version's handlers when they include every guard and action it
   * names; a reason when neither. Looked up again after a while, as another deploy may store it.
   */
  machineFor(name: string, version: number): Machine | Promise<Machine | string> | string {
    const registered = this.versions.get(name)?.get(version);
    if (registered) return registered;
    const key = `${name}\u0000${version}`;
    const cached = this.pinned.get(key);
    if (cached && cached.until > Date.now()) return cached.machine;
    const machine = this.loadPinned(name, version);
    // A stored version never changes and neither do this process's handlers: a machine found is kept
    // for good; a reason why not is looked at again after a while (another deploy may store it).
    const entry = { machine, until: Date.now() + 10 * this.options.sweepIntervalMs };
    this.pinned.set(key, entry);
    machine.then((found) => void (typeof found !== "string" && (entry.until = Number.POSITIVE_INFINITY)), noop);
    return machine;
  }

  /** Told once per version and process (the sweeper offers such flows again each interval): the flows are left, not lost. */
  private leftVersion(name: string, version: number, reason: string): void {
    this.counters.leftForOtherVersions++;
    const key = `${name}\u0000${version}`;
    if (this.toldUnavailable.has(key)) return;
    this.toldUnavailable.add(key);
    this.reportError(new VersionUnavailableError(name, version, reason), { machine: name, flowId: "", attempt: 0, phase: "version" });
  }

  /** How often this process says which versions it runs; the word holds three times as long. */
  private advertiseEveryMs(): number {
    return Math.max(500, Math.min(this.options.watchdogIntervalMs, 5 * this.options.sweepIntervalMs));
  }

  /** Tells the deployment which versions of each machine this process runs: registered ones, and stored ones its handlers cover. */
  private async advertise(): Promise<void> {
    const holdMs = 3 * this.advertiseEveryMs();
    await Promise.all([...this.versions].map(async ([name, registered]) => {
      const runnable = new Set(registered.keys());
      for (const version of await storedVersions(this.redis, this.keys, name)) {
        if (runnable.has(version)) continue;
        const found = this.machineFor(name, version);
        if (typeof (found instanceof Promise ? await found : found) !== "string") runnable.add(version);
      }
      await advertiseVersions(this.redis, this.keys, name, [...runnable], holdMs);
    }));
  }

  private async loadPinned(name: string, version: number): Promise<Machine | string> {
    const newest = this.machines.get(name);
    if (!newest) return "the machine is not registered here";
    let definition: MachineDefinition | undefined;
    try {
      definition = await loadDefinition(this.redis, this.keys, name, version);
    } catch (error) {
      this.pinned.delete(`${name}\u0000${version}`);
      throw asRedisError(this.connection, error);
    }
    if (!definition) return "no definition of that version is stored in Redis";
    const handlers = newest.handlers;
    const missing = [
      ...definition.guards.filter((g) => typeof handlers.guards[g] !== "function").map((g) => `guard ${g}`),
      ...definition.actions.filter((a) => typeof handlers.actions[a] !== "function").map((a) => `action ${a}`),
    ];
    if (missing.length > 0) return `the handlers registered here lack ${missing.join(", ")}`;
    return { definition, handlers, validator: new PayloadValidator(definition), handlerTimeoutMs: newest.handlerTimeoutMs };
  }

  /**
   * Connects (RedisUnavailableError naming the address after `connectTimeoutMs`), then runs this
   * process's share of the work: drains of the flows it enqueues to, the sweeper, the timer service.
   */
  async start(): Promise<void> {
    if (this.phase !== "created") {
      throw this.phase === "running" || this.phase === "starting" ? new FlowRuntimeError("RUNTIME_STARTED", "the flow runtime is already started") : new RuntimeClosedError();
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
      await checkPermissions(this.connection, { machines: [...this.machines.keys()], replicated: this.options.replicas > 0, keys: this.keys });
      stillOpen();
      // Every registered version is stored (or found stored with the same content) before any flow is taken.
      await Promise.all([...this.versions.values()].flatMap((versions) => [...versions.values()].map((m) => this.stored(m))));
      await this.advertise();
      // Lock servers have no offline queue (a dead one must fail fast), so connect them now; one that
      // is down keeps reconnecting in the background while the quorum of the others decides.
      await Promise.all(this.lockConnections.map((c) => c.redis.connect().catch(() => undefined)));
      stillOpen();
    } catch (error) {
      // A failed start may be tried again; a closed runtime stays closed.
      if (this.phase === "starting") this.phase = "created";
      throw error;
    }
    this.advertiser = setInterval(() => {
      this.advertise().catch((error: unknown) => this.reportError(error, { machine: "", flowId: "", attempt: 0, phase: "version" }));
    }, this.advertiseEveryMs());
    this.advertiser.unref();
    this.phase = "running";
    this.timerService = new TimerService(this.redis, this.timerStore, (timer) => this.deliverTimer(timer), {
      pollMs: this.options.timerPollMs,
      leaseMs: this.options.timerLeaseMs,
      onError: (error, context) => this.reportError(asRedisError(this.connection, error), { machine: context.timer?.machine ?? "", flowId: context.timer?.flowId ?? "", attempt: 0, phase: "timer" }),
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
      ...(this.lockConnections.length > 0 ? { lockServers: this.lockConnections.map((c) => c.redis) } : {}),
      // A holder whose head event waited longer than a healthy one can keep it is hung.
      hungAfterMs: hungHolderAfterMs({
        handlerTimeoutMs: Math.max(this.options.handlerTimeoutMs, ...[...this.versions.values()].flatMap((v) => [...v.values()].map((m) => m.handlerTimeoutMs))),
        maxAttempts: this.options.maxAttempts,
        retryBaseMs: this.options.retryBaseMs,
        retryMaxMs: this.options.retryMaxMs,
        lockTtlMs: this.options.lockTtlMs,
      }),
      onReport: (report) => this.recordWatchdog(report),
      onError: (error) => this.reportError(asRedisError(this.connection, error), { machine: "", flowId: "", attempt: 0, phase: "watchdog" }),
    });
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
    clearInterval(this.advertiser);
    for (const wake of this.sleepers) wake();
    const deadline = Date.now() + this.options.closeTimeoutMs;
    const settled = await this.within(deadline, (async () => {
      await this.stopWatchdog?.();
      await this.sweeper?.stop();
      await this.timerService?.stop();
      while (this.inflight.size > 0 || this.active > 0) await Promise.allSettled([...this.inflight, this.idle()]);
    })());
    if (!settled) {
      // Abandoned: each counted as begun, so the process that takes its flow over begins the next attempt.
      const abandoned = [...this.running];
      this.counters.abandonedOnClose += abandoned.length;
      await this.within(Date.now() + this.options.commandTimeoutMs, Promise.all(
        abandoned.filter(([, { head }]) => head).map(([attempt, { keys, epoch }]) => recordAttempt(this.redis, keys, epoch, attempt.seq, attempt.attempt).catch(() => false)),
      ).then(noop));
      for (const [attempt] of abandoned) attempt.abort(new RuntimeClosedError());
    }
    this.phase = "closed";
    this.heartbeats.stop();
    await Promise.all([this.connection, ...this.lockConnections].map((c) => closeConnection(c.redis)));
  }

  /** True when `work` settled before `deadline` (this process's clock), false when the deadline came first. */
  private async within(deadline: number, work: Promise<void>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    try {
      return await Promise.race([work.then(() => true, () => true), late]);
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
    const storing = this.stored(machine);
    if (storing) return storing.then(() => this.enqueue(name, flowId, eventJson, options.eventId ?? "", undefined));
    return this.enqueue(name, flowId, eventJson, options.eventId ?? "", undefined);
  }

  private async startFlow(machine: Machine, flowId: string, context: unknown, options: SendOptions): Promise<void> {
    this.assertOpen();
    assertFlowId(flowId);
    const name = machine.definition.name;
    machine.validator.checkStartContext(context);
    await this.stored(machine);
    // A field given as undefined is a field not given: its default stays.
    const ctx: Record<string, unknown> = { ...machine.definition.contextDefaults };
    for (const [field, value] of Object.entries(context as object)) if (value !== undefined) ctx[field] = value;
    await this.enqueue(name, flowId, JSON.stringify({ type: "fsm.start" }), options.eventId ?? "", { ctxJson: JSON.stringify(ctx), machine });
  }

  /**
   * The ack: one round trip. The pending-index ZADD rides in front of the enqueue script on the
   * same connection, but a process that drains skips it while its own last ZADD for the flow is
   * younger than a quarter of the sweep interval (see keys.ts for why that is safe). A process
   * that does not drain backdates its entry so the sweeper takes the flow over without waiting.
   */
  private async enqueue(name: string, flowId: string, eventJson: string, eventId: string, start: { ctxJson: string; machine: Machine } | undefined, internal = false): Promise<void> {
    // Counted rather than tracked as a promise: this runs for every event.
    this.active++;
    try {
      const keys = this.keys.flow(name, flowId);
      const registered = this.machines.get(name);
      const processes = this.phase === "running" && registered !== undefined;
      const token = processes && !this.redlock ? this.newToken() : "";
      const member = pendingMember(name, flowId);
      const { lockTtlMs: ttlMs, batch, seenTtlMs, seenMax } = this.options;
      const decidedAt = Date.now();
      // With `replicated`, the ZADD is always sent: a duplicate's WAIT must cover the original's write (see below).
      const indexed = !processes || this.options.replicas > 0 || this.needsPendingEntry(member, decidedAt);
      let reply: EnqueueReply;
      try {
        const index = indexed ? this.addPending(name, flowId, member, processes, decidedAt) : undefined;
        const enqueued = start
          ? startFlow(this.redis, keys, eventId, eventJson, token, ttlMs, batch, seenTtlMs, seenMax, start.machine.definition.initial, start.ctxJson, start.machine.definition.version)
          : this.hotPath.enqueue(keys, eventId, eventJson, token);
        reply = index ? (await Promise.all([enqueued, index]))[0] : await enqueued;
        // A stall between the decision to skip and the enqueue reaching Redis may have outlasted the
        // entry's margin against removal: add it again rather than reason about how long it was.
        if (!indexed && Date.now() - decidedAt >= this.pendingRefreshMs) await this.addPending(name, flowId, member, processes, Date.now());
      } catch (error) {
        // The ZADD may not have happened: the next enqueue must not count on it.
        this.pendingAdded.delete(member);
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
          if (this.options.replicas > 0 && !internal) await this.waitForReplicas();
          return;
      }
      this.counters.enqueued++;
      if (reply.kind === "locked" && registered) {
        this.spawnDrain(registered, flowId, keys, new FlowLocalLease(this.redis, keys, token, ttlMs, reply.snapshot.epoch), reply.snapshot, member);
      } else if (processes && this.redlock && !this.draining.has(member)) {
        // Redlock mode: the lock steps are separate round trips, taken after the ack is secured.
        void this.track(this.tryProcess(registered, flowId));
      }
      if (this.options.replicas > 0 && !internal) await this.waitForReplicas();
    } finally {
      this.finishedWork();
    }
  }

  private async waitForReplicas(): Promise<void> {
    const { replicas, replicationTimeoutMs } = this.options;
    let confirmed: number;
    try {
      confirmed = await this.nextReplicationWait();
    } catch (error) {
      throw asRedisError(this.connection, error);
    }
    if (confirmed < replicas) throw new ReplicationError(replicas, confirmed, replicationTimeoutMs);
  }

  /**
   * One WAIT answers every ack that joined it. A WAIT covers every write this connection made
   * before it, so an ack whose enqueue has replied may join any WAIT sent from now on, never one
   * already in flight. A blocked WAIT also holds up the commands pipelined behind it on this
   * connection, so at most one is in flight and one queued, however many acks wait.
   */
  private nextReplicationWait(): Promise<number> {
    if (!this.replicationWait) return this.sendReplicationWait();
    this.queuedReplicationWait ??= this.replicationWait.then(noop, noop).then(() => {
      this.queuedReplicationWait = undefined;
      return this.sendReplicationWait();
    });
    return this.queuedReplicationWait;
  }

  private sendReplicationWait(): Promise<number> {
    const wait = this.redis.wait(this.options.replicas, this.options.replicationTimeoutMs).then(Number);
    this.replicationWait = wait;
    const done = () => {
      if (this.replicationWait === wait) this.replicationWait = undefined;
    };
    wait.then(done, done);
    return wait;
  }

  /** True unless this process added the flow's pending entry itself less than `pendingRefreshMs` ago. */
  private needsPendingEntry(member: string, now: number): boolean {
    const added = this.pendingAdded.get(member);
    return added === undefined || now - added >= this.pendingRefreshMs;
  }

  private addPending(name: string, flowId: string, member: string, processes: boolean, now: number): Promise<unknown> {
    const key = this.keys.pending(pendingShard(name, flowId, this.options.pendingShards));
    // Sent directly (never held for an auto-pipeline), so it reaches Redis before the enqueue it goes with.
    if (!processes) return sendDirect(this.redis, "zadd", [key, now - pendingEligibleMs(this.options.sweepIntervalMs), member]);
    // Forgetting is always safe (it only costs a ZADD), so the map is bounded by clearing it.
    if (this.pendingAdded.size >= 100_000) this.pendingAdded.clear();
    this.pendingAdded.set(member, now);
    return sendDirect(this.redis, "zadd", [key, now, member]);
  }

  private newToken(): string {
    return `${this.instance}:${++this.tokens}`;
  }

  private spawnDrain(machine: Machine, flowId: string, keys: FlowKeys, lease: Lease, snapshot: Snapshot, member = pendingMember(machine.definition.name, flowId)): void {
    this.draining.add(member);
    this.active++;
    // drainFlow never rejects, and tells the host when it is done (DrainHost.drained): no promise per drain to follow.
    void drainFlow(this.host, machine, flowId, keys, member, lease, snapshot);
  }

  /** Redlock mode: take the flow's lock on the lock servers, fence, drain. */
  private async tryProcess(machine: Machine, flowId: string): Promise<"drained" | "busy" | "idle" | "unavailable"> {
    if (!this.redlock || this.phase !== "running") return "idle";
    const name = machine.definition.name;
    const keys = this.keys.flow(name, flowId);
    const attempt = await this.redlock.tryAcquire(keys.lock);
    if (attempt.kind === "busy") {
      this.counters.lockContention++;
      return "busy";
    }
    if (attempt.kind === "unavailable") {
      this.counters.lockUnavailable++;
      this.reportError(attempt.error, { machine: name, flowId, attempt: 0, phase: "lock" });
      return "unavailable";
    }
    let fenced;
    try {
      fenced = await fenceFlow(this.redis, keys, this.options.batch);
    } catch (error) {
      await attempt.lease.release();
      this.reportError(asRedisError(this.connection, error), { machine: name, flowId, attempt: 0, phase: "lock" });
      return "unavailable";
    }
    if (fenced.kind !== "locked") {
      await attempt.lease.release();
      return "idle";
    }
    this.spawnDrain(machine, flowId, keys, attempt.lease, fenced.snapshot);
    return "drained";
  }

  /** Redlock mode, after a drain released on an empty queue: an event enqueued meanwhile found the lock held. */
  private async recheck(name: string, flowId: string): Promise<void> {
    const machine = this.machines.get(name);
    if (!machine || this.phase !== "running" || this.draining.has(pendingMember(name, flowId))) return;
    try {
      if ((await this.redis.llen(this.keys.flow(name, flowId).queue)) === 0) return;
    } catch (error) {
      this.reportError(asRedisError(this.connection, error), { machine: name, flowId, attempt: 0, phase: "lock" });
      return;
    }
    await this.tryProcess(machine, flowId);
  }

  private async sweep(name: string, flowId: string, key: string, member: string, score: string, removable: boolean): Promise<void> {
    const machine = this.machines.get(name);
    if (!machine || this.phase !== "running" || this.draining.has(member)) return;
    const keys = this.keys.flow(name, flowId);
    if (this.redlock) {
      if ((await this.redis.llen(keys.queue)) === 0) {
        if (removable) await removePending(this.redis, key, member, score);
        return;
      }
      if ((await this.tryProcess(machine, flowId)) === "drained") this.counters.swept++;
      return;
    }
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
