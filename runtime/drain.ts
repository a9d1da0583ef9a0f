// The drain loop of one flow held by this process: apply queued events in order, commit them fenced, until the queue is empty.
import type { FlowRedis } from "./connection.js";

import type { MachineDefinition } from "./definition.js";
import { AttemptsAbandonedError, FlowRuntimeError, HandlerTimeoutError } from "./errors.js";
import type { Beat, Heartbeats } from "./heartbeat.js";
import type { FlowKeys } from "./keys.js";
import type { Lease } from "./lease.js";
import type { RuntimeCounters } from "./metrics.js";
import type { CommitInfo, ErrorContext, ResolvedOptions, TransitionInfo, UnhandledEvent } from "./options.js";
import { recordAttempt, type EventRecord, type HotPathScripts, type Snapshot } from "./scripts.js";
import type { ArmedTimer, TimerStore } from "./timers/index.js";
import { planMigration, type MigrationPlan } from "./migration.js";
import { applyEvent, Attempt, forceDeadline, type AppliedEvent, type CallableHandlers, type StepMachine, type WorkingFlow } from "./transition.js";
import type { PayloadValidator } from "./validation.js";
import type { MachineStats } from "./prometheus.js";

export interface RegisteredMachine extends StepMachine {
  definition: MachineDefinition;
  handlers: CallableHandlers;
  validator: PayloadValidator;
  /** The time limit of one attempt's handlers (the runtime's `handlerTimeoutMs`, or the machine's own). */
  handlerTimeoutMs: number;
  /** What the runtime's Prometheus metrics export for this machine (every version of it shares one). */
  stats: MachineStats;
}

/** What a drain needs from the runtime that runs it. */
export interface DrainHost {
  readonly redis: FlowRedis;
  readonly scripts: HotPathScripts;
  readonly options: ResolvedOptions;
  readonly metrics: RuntimeCounters;
  readonly timers: TimerStore;
  readonly heartbeats: Heartbeats;
  /** True once `close()` began: finish the current commit, then hand the flow back. */
  readonly closing: boolean;
  /** Waits `ms`, or less when the runtime starts closing. */
  sleep(ms: number): Promise<void>;
  reportError(error: unknown, context: ErrorContext): void;
  reportUnhandled(info: UnhandledEvent): void;
  /** Set when someone listens: then a drain builds the transition records it would otherwise skip. */
  readonly reportTransition: ((info: TransitionInfo) => void) | undefined;
  readonly reportCommit: ((info: CommitInfo) => void) | undefined;
  /** Called once when a drain ends, however it ends, with the pending member it was given. */
  drained(member: string): void;
  /** Redlock mode: after the lock was released on an empty queue, look again (an event may have come meanwhile). */
  recheck(machine: string, flowId: string): void;
  /** The machine a flow of another version runs on here (a registered or stored definition), or why none. */
  machineFor(name: string, version: number): RegisteredMachine | Promise<RegisteredMachine | string> | string;
  /** A flow of `version` was left to other processes because this one cannot run it. */
  leftVersion(name: string, version: number, reason: string): void;
  /**
   * Attempts whose handlers are running asynchronously now, with where to count them: `close()`
   * aborts those still running when it stops waiting, and counts the ones at their queue's head (the
   * count is the head's), so the next holder's attempt is the next one.
   */
  readonly running: Map<Attempt, { keys: FlowKeys; epoch: number; head: boolean }>;
}

/** The attempt begun at one queued event: its number, counted across retries and processes. */
interface Begun {
  seq: number;
  attempt: number;
}

/**
 * Waits for an attempt whose handlers went asynchronous, for at most its time limit. Past it, the
 * attempt fails with HandlerTimeoutError, its `io.signal` is aborted, and whatever the handlers do
 * afterwards is ignored. Synchronous handlers never get here: they cost no timer.
 */
async function withinLimit(
  host: DrainHost,
  pending: Promise<AppliedEvent>,
  io: Attempt,
  eventType: string,
  limitMs: number,
  beat: Beat,
  keys: FlowKeys,
  epoch: number,
  head: boolean,
): Promise<AppliedEvent> {
  let timer: NodeJS.Timeout | undefined;
  beat.limitAt = Date.now() + limitMs;
  host.running.set(io, { keys, epoch, head });
  try {
    return await new Promise<AppliedEvent>((resolve, reject) => {
      // Aborted at its limit here, or by close(): either way the wait ends at once.
      io.onAbort(reject);
      timer = setTimeout(() => io.abort(new HandlerTimeoutError(io.site(eventType), limitMs)), limitMs);
      // Also what keeps a late rejection of an abandoned attempt from going unhandled.
      pending.then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    io.onAbort(undefined);
    beat.limitAt = 0;
    host.running.delete(io);
  }
}

function errorFields(error: unknown): { error: string; code: string } {
  return {
    error: error instanceof Error ? error.message : String(error),
    code: error instanceof FlowRuntimeError ? error.code : "HANDLER_FAILED",
  };
}

function parseJson<T>(text: string, fallback: T): T {
  return text === "" ? fallback : (JSON.parse(text) as T);
}

/**
 * Drains the flow's queue while holding `lease`, starting from `snapshot` (read when the lock
 * was taken). Never throws: failures are reported to the host, and the events stay queued
 * for the next holder.
 */
export async function drainFlow(
  host: DrainHost,
  newest: RegisteredMachine,
  flowId: string,
  keys: FlowKeys,
  member: string,
  lease: Lease,
  snapshot: Snapshot,
): Promise<void> {
  const name = newest.definition.name;
  const { options, metrics } = host;
  const stats = newest.stats;
  // The last event whose queue wait was observed: once per event and holder, however many attempts it takes.
  let waitedSeq = 0;
  const { lock, topology } = options.deployment;
  const epoch = snapshot.epoch;
  let version = snapshot.version;
  // Read from the snapshot only when needed (leaving a state that armed timers, or ending): most
  // drains never do. `null`: not read yet.
  let timers: ArmedTimer[] | null = null;
  let deadline: ArmedTimer | undefined | null = null;
  let events: EventRecord[] = snapshot.events;
  // A takeover counted the attempt it begins at the head (snapshot.attempts); other attempts are counted as they are retried.
  let begun: Begun | undefined = snapshot.attempts > 0 && events[0] ? { seq: events[0].seq, attempt: snapshot.attempts } : undefined;
  // An attempt that failed behind events this holder applied before it: handled once those are committed.
  let carried: { record: EventRecord; error: unknown; abandoned: boolean } | undefined;

  // Long actions must not lose the lock; a holder that pauses anyway is fenced at commit.
  const beat = host.heartbeats.add(lease);

  try {
    // Inside the try: a context that is not JSON is reported and left queued like any failure.
    let flow: WorkingFlow = { state: snapshot.state, ctx: parseJson(snapshot.ctx, {}), entry: snapshot.entry };
    // A flow runs on the definition of the version it follows, unless this version migrates it here.
    let machine = newest;
    let migrating: MigrationPlan | undefined;
    const follows = snapshot.machineVersion;
    if (follows !== 0 && follows !== newest.definition.version) {
      const found = host.machineFor(name, follows);
      // A version registered here runs its own flows (they were started on it on purpose); others
      // move by this version's migration when it has one for them, or run from their stored definition.
      const registered = typeof found === "object" && !(found instanceof Promise) ? found : undefined;
      migrating = registered ? undefined : planMigration(newest.definition, newest.validator, follows, flow.state, flow.ctx);
      if (registered) {
        machine = registered;
      } else if (migrating) {
        // Entered afresh: entry tokens of this epoch start at its first event, so `.0` is new.
        flow = { state: migrating.state, ctx: migrating.ctx, entry: `${epoch}.0` };
      } else {
        const pinned = found instanceof Promise ? await found : found;
        if (typeof pinned === "string") {
          // Left to a process that can run it; the attempt a takeover counted was not made.
          const head = events[0];
          if (snapshot.attempts > 0 && head) await recordAttempt(host.redis, keys, epoch, head.seq, snapshot.attempts - 1);
          host.leftVersion(name, follows, pinned);
          await lease.release().catch(() => undefined);
          return;
        }
        machine = pinned;
      }
    }
    const definition = machine.definition;
    for (;;) {
      let working = flow;
      let applied = 0;
      let processed = 0;
      // A migration enters its mapped state: its timers are armed and the old state's cancelled with the first commit.
      let entered: string | undefined = migrating?.state;
      let started = false;
      let ended = migrating !== undefined && definition.states[migrating.state]?.final === true;
      let dropped = 0;
      let unhandled: UnhandledEvent[] | undefined;
      let transitions: TransitionInfo[] | undefined;
      let failure: { record: EventRecord; error: unknown; abandoned: boolean } | undefined;

      const head = events[0];
      if (head && carried?.record.seq === head.seq) {
        // It failed behind events that were committed before it: its failure is handled now, as the head's.
        failure = carried;
      } else if (head && begun?.seq === head.seq && begun.attempt > options.maxAttempts) {
        // Holders that took the flow over began every allowed attempt and none finished (each crashed,
        // hung past its lock, or was closed): running it again would only repeat that.
        failure = { record: head, error: new AttemptsAbandonedError(name, flowId, head.seq, begun.attempt - 1), abandoned: true };
      }
      carried = undefined;
      // An attempt counted in Redis (a takeover's or a retry's) is the head's: it runs alone and is
      // committed before anything behind it, so a holder that stops later charges the event it stopped on.
      const batch = head && begun?.seq === head.seq ? [head] : events;
      for (const record of failure || ended ? [] : batch) {
        const io = new Attempt(name, flowId, record.seq, begun?.seq === record.seq ? begun.attempt : 1);
        if (record.seq > waitedSeq) {
          waitedSeq = record.seq;
          // `at` is Redis's clock, this is the process's: a skew between them reads as a wait (never below 0).
          const waitedMs = Date.now() - record.at;
          stats.queueWaitSeconds.observe(waitedMs > 0 ? waitedMs / 1000 : 0);
        }
        let result;
        const handlerStart = performance.now();
        try {
          const applying = applyEvent(machine, working, record.event, io, epoch);
          // Synchronous handlers (the common case) cost no promise, no microtask and no timer.
          result =
            applying instanceof Promise
              ? await withinLimit(host, applying, io, record.event.type, machine.handlerTimeoutMs, beat, keys, epoch, record === head)
              : applying;
        } catch (error) {
          stats.handlerSeconds.observe((performance.now() - handlerStart) / 1000);
          failure = { record, error, abandoned: false };
          break;
        }
        stats.handlerSeconds.observe((performance.now() - handlerStart) / 1000);

        processed++;
        const { outcome } = result;
        // Hooks see the event as the handlers did (a timer's resolved against its state entry).
        if (outcome.kind === "unhandled") (unhandled ??= []).push({ machine: name, flowId, state: working.state, event: result.event });
        if (outcome.kind === "dropped" && record.event.type !== "fsm.migrate") dropped++;
        const from = working.state;
        working = result.next;
        if (outcome.kind !== "applied") continue;
        applied++;
        if (host.reportTransition) {
          (transitions ??= []).push({
            machine: name,
            flowId,
            seq: record.seq,
            from: outcome.start ? undefined : from,
            to: working.state,
            external: outcome.entered !== undefined,
            event: result.event,
          });
        }
        if (outcome.entered !== undefined) entered = outcome.entered;
        started ||= outcome.start;
        if (outcome.ended) {
          ended = true;
          break;
        }
      }

      let deadLetter = "";
      if (failure && processed === 0) {
        // The head event failed: nothing else may be applied before it (order), so retry it, then dead-letter it.
        const { record, error, abandoned } = failure;
        const attempt = begun?.seq === record.seq ? (abandoned ? begun.attempt - 1 : begun.attempt) : 1;
        stats.handlerFailed(error instanceof FlowRuntimeError ? error.code : "HANDLER_FAILED");
        host.reportError(error, { machine: name, flowId, event: record.event, attempt, phase: "handler" });
        if (!abandoned && attempt < options.maxAttempts) {
          metrics.retries++;
          await host.sleep(Math.min(options.retryBaseMs * 2 ** (attempt - 1), options.retryMaxMs));
          if (host.closing) {
            await lease.release().catch(() => undefined);
            return;
          }
          // Counted before it runs: a holder that dies or hangs in it has still used it up.
          if (!(await recordAttempt(host.redis, keys, epoch, record.seq, attempt + 1))) {
            metrics.staleCommits++;
            stats.staleCommits++;
            await lease.release().catch(() => undefined);
            return;
          }
          begun = { seq: record.seq, attempt: attempt + 1 };
          continue;
        }
        const forced = record.event.type === "fsm.deadline" && definition.deadline !== undefined;
        const initial = record.event.type === "fsm.start" ? definition.states[definition.initial] : undefined;
        deadLetter = JSON.stringify({ ...record, ...errorFields(error), attempts: attempt, state: flow.state, ...(forced ? { forced: true } : {}) });
        processed = 1;
        if (forced) {
          // The deadline's handlers failed every attempt: the flow still ends, through the deadline's
          // transition without them (exit, deadline and entry actions are skipped), and the dead letter says so.
          const result = forceDeadline(machine, working, new Attempt(name, flowId, record.seq, attempt), epoch);
          const outcome = result.outcome;
          if (outcome.kind === "applied") {
            applied = 1;
            if (outcome.entered !== undefined) entered = outcome.entered;
            ended = outcome.ended;
            if (host.reportTransition) {
              transitions = [{ machine: name, flowId, seq: record.seq, from: working.state, to: result.next.state, external: true, event: result.event }];
            }
          }
          working = result.next;
        } else if (initial) {
          // A start whose entry actions never succeeded still leaves the flow in its initial state, with
          // that state's timers and the deadline armed: the flow goes on, and it still ends.
          working = { state: definition.initial, ctx: working.ctx, entry: `${epoch}.${record.seq}` };
          entered = definition.initial;
          started = true;
          ended = initial.final;
        }
      }

      // Timers of the entered state: on a standalone Redis the commit arms them itself, atomically
      // with entering the state; on a Cluster (their shard is another slot) they are armed just before
      // it, and if that commit is refused, their entry token (which carries this epoch) never matches.
      // Those of the state left go the same way: in the commit, or after it on a Cluster.
      let armed: ArmedTimer[] | undefined;
      let arm: { member: string; ms: number }[] = [];
      let newDeadline: ArmedTimer | undefined;
      if (entered !== undefined && !ended) {
        const specs = (definition.states[entered]?.timers ?? []).map((t) => ({ id: t.id, state: entered, ms: t.ms, kind: "timer" as const }));
        if (topology === "standalone") {
          armed = host.timers.plan(name, flowId, working.entry, specs);
          arm = armed.map((timer, i) => ({ member: timer.member, ms: specs[i]!.ms }));
        } else {
          armed = await host.timers.arm(name, flowId, working.entry, specs);
        }
      } else if (ended) {
        armed = [];
      }
      // The deadline, once per flow, keeps a script of its own: its packed value holds the due time the watchdog reads.
      if (started && !ended && definition.deadline) {
        [newDeadline] = await host.timers.arm(name, flowId, working.entry, [{ id: "deadline", state: "", ms: definition.deadline.ms, kind: "deadline" }]);
      }
      // What this commit leaves behind: the timers of the state it leaves, and the deadline when the flow ends.
      const left = armed ? (timers ??= host.timers.unpack(name, flowId, snapshot.timers)) : [];
      const endedDeadline = ended ? (deadline ??= host.timers.unpack(name, flowId, snapshot.deadline)[0]) : undefined;
      const leftBehind = endedDeadline ? [...left, endedDeadline] : left;
      const timerKey = topology === "standalone" && (arm.length > 0 || leftBehind.length > 0) ? host.timers.keyOf(name, flowId) : "";
      const cancel = timerKey ? leftBehind.map((timer) => timer.member) : [];
      const cancelAfter = timerKey ? [] : leftBehind;

      const headSeq = events[0]?.seq ?? 0;
      const commitStart = performance.now();
      const reply = await host.scripts.commit(keys, {
        token: lease.token,
        epoch,
        expectedVersion: version,
        applied,
        pop: processed,
        headSeq,
        state: working.state,
        // Actions replace the context object when they change it (transition.ts): the same object is the stored JSON.
        ctxJson: working.ctx === flow.ctx && !migrating ? "" : JSON.stringify(working.ctx),
        // A state entered without timers still records its entry token (a timer event of an older entry must not match).
        timersPacked: armed ? (armed.length > 0 ? host.timers.pack(armed) : ended ? "-" : working.entry) : "",
        deadlinePacked: newDeadline ? host.timers.pack([newDeadline]) : endedDeadline ? "-" : "",
        ended,
        deadLetter,
        release: host.closing,
        timerKey,
        arm,
        cancel,
        // The count is for the head: once it is popped, the next head starts afresh.
        clearAttempts: begun !== undefined && processed > 0 && begun.seq === headSeq,
        migratedFrom: migrating?.from ?? 0,
        machineVersion: migrating ? definition.version : 0,
      });
      stats.commitSeconds.observe((performance.now() - commitStart) / 1000);
      if (reply.kind === "stale") {
        // Another processor took the flow over (our lock expired, or it was force-released): it applies these events.
        // Releasing is still right: it only deletes a lock that holds this lease's own value.
        metrics.staleCommits++;
        stats.staleCommits++;
        await lease.release().catch(() => undefined);
        return;
      }

      metrics.commits++;
      stats.applied += applied;
      if (unhandled) stats.unhandled += unhandled.length;
      if (deadLetter) stats.deadLettered++;
      if (started) stats.started++;
      metrics.applied += applied;
      metrics.unhandled += unhandled?.length ?? 0;
      metrics.droppedTimers += dropped;
      if (deadLetter) metrics.deadLettered++;
      if (processed > 0) begun = undefined;
      if (failure && !deadLetter && processed > 0) carried = failure;
      version += applied;
      if (host.reportCommit) host.reportCommit({ machine: name, flowId, version, firstSeq: headSeq, events: processed });
      if (migrating && host.reportTransition) {
        host.reportTransition({
          machine: name,
          flowId,
          seq: 0,
          from: migrating.fromState,
          to: migrating.state,
          external: true,
          event: { type: "fsm.migrate", from: migrating.from, to: definition.version },
        });
      }
      migrating = undefined;
      if (transitions) for (const info of transitions) host.reportTransition?.(info);
      if (unhandled) for (const info of unhandled) host.reportUnhandled(info);
      if (cancelAfter.length > 0) {
        host.timers.cancel(cancelAfter).catch((error: unknown) => host.reportError(error, { machine: name, flowId, attempt: 0, phase: "timer" }));
      }
      flow = working;
      if (armed) timers = armed;
      if (newDeadline) deadline = newDeadline;

      if (reply.kind === "ended") {
        metrics.ended++;
        stats.endedIn(flow.state);
        metrics.droppedAfterEnd += reply.dropped;
        return;
      }
      if (reply.kind === "released") {
        // Redlock mode: the commit left the lock servers alone. Released there now, an event
        // enqueued while it was held (its sender saw it taken) is looked for again.
        if (lock === "redlock") {
          await lease.release();
          if (!host.closing) host.recheck(name, flowId);
        }
        return;
      }
      events = reply.events;
    }
  } catch (error) {
    // Redis went away mid-drain (or a timer arm failed): the events stay queued for the next holder.
    host.reportError(error, { machine: name, flowId, attempt: 0, phase: "commit" });
    await lease.release().catch(() => undefined);
  } finally {
    host.heartbeats.remove(beat);
    host.drained(member);
  }
}
