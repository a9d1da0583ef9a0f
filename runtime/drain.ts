// The drain loop of one flow held by this process: apply queued events in order, commit them fenced, until the queue is empty.
import type { FlowRedis } from "./connection.js";

import type { ActionIO, MachineDefinition } from "./definition.js";
import type { Heartbeats } from "./heartbeat.js";
import type { FlowKeys } from "./keys.js";
import type { Lease } from "./lease.js";
import type { RuntimeCounters } from "./metrics.js";
import type { CommitInfo, ErrorContext, ResolvedOptions, TransitionInfo, UnhandledEvent } from "./options.js";
import type { EventRecord, HotPathScripts, Snapshot } from "./scripts.js";
import type { ArmedTimer, TimerStore } from "./timers/index.js";
import { applyEvent, type CallableHandlers, type WorkingFlow } from "./transition.js";

export interface RegisteredMachine {
  definition: MachineDefinition;
  handlers: CallableHandlers;
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
}

interface Failure {
  seq: number;
  attempts: number;
}

function parseJson<T>(text: string, fallback: T): T {
  return text === "" ? fallback : (JSON.parse(text) as T);
}

/**
 * Drains the flow's queue while holding `lease`, starting from `snapshot` (read when the lock
 * was taken). Never throws: failures are reported to the host, and the events stay queued
 * for the next holder.
 */
export async function drainFlow(host: DrainHost, machine: RegisteredMachine, flowId: string, keys: FlowKeys, member: string, lease: Lease, snapshot: Snapshot): Promise<void> {
  const { definition, handlers } = machine;
  const name = definition.name;
  const { options, metrics } = host;
  const epoch = snapshot.epoch;
  let version = snapshot.version;
  // Read from the snapshot only when needed (leaving a state that armed timers, or ending): most
  // drains never do. `null`: not read yet.
  let timers: ArmedTimer[] | null = null;
  let deadline: ArmedTimer | undefined | null = null;
  let events: EventRecord[] = snapshot.events;
  let failing: Failure | undefined;

  // Long actions must not lose the lock; a holder that pauses anyway is fenced at commit.
  const beat = host.heartbeats.add(lease);

  try {
    // Inside the try: a context that is not JSON is reported and left queued like any failure.
    let flow: WorkingFlow = { state: snapshot.state, ctx: parseJson(snapshot.ctx, {}), entry: snapshot.entry };
    for (;;) {
      let working = flow;
      let applied = 0;
      let processed = 0;
      let entered: string | undefined;
      let started = false;
      let ended = false;
      let dropped = 0;
      let unhandled: UnhandledEvent[] | undefined;
      let transitions: TransitionInfo[] | undefined;
      let failure: { record: EventRecord; error: unknown } | undefined;

      for (const record of events) {
        const io: ActionIO = { flowId, machine: name, idempotencyKey: `${flowId}:${record.seq}`, seq: record.seq };
        let result;
        try {
          const applying = applyEvent(definition, handlers, working, record.event, io, epoch);
          // Synchronous handlers (the common case) cost no promise and no microtask.
          result = applying instanceof Promise ? await applying : applying;
        } catch (error) {
          failure = { record, error };
          break;
        }
        processed++;
        const { outcome } = result;
        // Hooks see the event as the handlers did (a timer's resolved against its state entry).
        if (outcome.kind === "unhandled") (unhandled ??= []).push({ machine: name, flowId, state: working.state, event: result.event });
        if (outcome.kind === "dropped") dropped++;
        const from = working.state;
        working = result.next;
        if (outcome.kind !== "applied") continue;
        applied++;
        if (host.reportTransition) {
          (transitions ??= []).push({
            machine: name, flowId, seq: record.seq, from: outcome.start ? undefined : from, to: working.state,
            external: outcome.entered !== undefined, event: result.event,
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
        const { record, error } = failure;
        const attempt = failing?.seq === record.seq ? failing.attempts + 1 : 1;
        failing = { seq: record.seq, attempts: attempt };
        host.reportError(error, { machine: name, flowId, event: record.event, attempt, phase: "handler" });
        if (attempt < options.maxAttempts) {
          metrics.retries++;
          await host.sleep(Math.min(options.retryBaseMs * 2 ** (attempt - 1), options.retryMaxMs));
          if (host.closing) {
            await lease.release().catch(() => undefined);
            return;
          }
          continue;
        }
        deadLetter = JSON.stringify({ ...record, error: error instanceof Error ? error.message : String(error), attempts: attempt, state: flow.state });
        processed = 1;
      }

      // Timers of the entered state: on a standalone Redis the commit arms them itself, atomically
      // with entering the state; on a Cluster (their shard is another slot) they are armed just before
      // it, and if that commit is refused, their entry token (which carries this epoch) never matches.
      let armed: ArmedTimer[] | undefined;
      let arm: { member: string; ms: number }[] = [];
      let newDeadline: ArmedTimer | undefined;
      if (entered !== undefined && !ended) {
        const specs = (definition.states[entered]?.timers ?? []).map((t) => ({ id: t.id, state: entered, ms: t.ms, kind: "timer" as const }));
        if (host.scripts.timersInCommit) {
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
      // The commit cancels those in the flow's shard; one armed under an older key layout is cancelled after it.
      const timerKey = host.scripts.timersInCommit && (arm.length > 0 || leftBehind.length > 0) ? host.timers.keyOf(name, flowId) : "";
      const cancelAfter = timerKey ? leftBehind.filter((timer) => timer.key !== timerKey) : leftBehind;
      const cancel = timerKey ? leftBehind.filter((timer) => timer.key === timerKey).map((timer) => timer.member) : [];

      const headSeq = events[0]?.seq ?? 0;
      const reply = await host.scripts.commit(keys, {
        token: lease.token,
        epoch,
        expectedVersion: version,
        applied,
        pop: processed,
        headSeq,
        state: working.state,
        // Actions replace the context object when they change it (transition.ts): the same object is the stored JSON.
        ctxJson: working.ctx === flow.ctx ? "" : JSON.stringify(working.ctx),
        // A state entered without timers still records its entry token (a timer event of an older entry must not match).
        timersPacked: armed ? (armed.length > 0 ? host.timers.pack(armed) : ended ? "-" : working.entry) : "",
        deadlinePacked: newDeadline ? host.timers.pack([newDeadline]) : endedDeadline ? "-" : "",
        ended,
        deadLetter,
        release: host.closing,
        timerKey,
        arm,
        cancel,
      });
      if (reply.kind === "stale") {
        // Another processor took the flow over (our lock expired, or it was force-released): it applies these events.
        // Releasing is still right: it only deletes a lock that holds this lease's own value.
        metrics.staleCommits++;
        await lease.release().catch(() => undefined);
        return;
      }

      metrics.commits++;
      metrics.applied += applied;
      metrics.unhandled += unhandled?.length ?? 0;
      metrics.droppedTimers += dropped;
      if (deadLetter) {
        metrics.deadLettered++;
        failing = undefined;
      }
      version += applied;
      if (host.reportCommit) host.reportCommit({ machine: name, flowId, version, firstSeq: headSeq, events: processed });
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
        metrics.droppedAfterEnd += reply.dropped;
        return;
      }
      if (reply.kind === "released") {
        if (lease.token === "") {
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
