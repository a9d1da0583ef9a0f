// Run to completion of one event on a flow held in memory: clause choice, guards, exit → clause → entry actions, context merges.
import type { ActionIO, ClauseData, GuardData, MachineDefinition } from "./definition.js";
import { resolveDeadlineEvent, resolveTimerEvent } from "./timer-events.js";

/** Handlers as the runtime calls them; `register` checks every name the machine uses is present. */
export interface CallableHandlers {
  readonly guards: { readonly [name: string]: (ctx: unknown, event: unknown) => boolean };
  readonly actions: { readonly [name: string]: (ctx: unknown, event: unknown, io: ActionIO) => unknown };
}

export interface WorkingFlow {
  state: string;
  ctx: Record<string, unknown>;
  /** Entry token of the current state entry: `<epoch>.<seq of the entering event>`. */
  entry: string;
}

export type Outcome =
  /** `entered`: the state an external transition (or the start) entered; its timers must be armed. */
  | { kind: "applied"; entered?: string; ended: boolean; start: boolean }
  /** No clause matched: nothing changes; reported to onUnhandled. */
  | { kind: "unhandled" }
  /** A timer of a state entry that is over, or a deadline the machine does not have: no effect. */
  | { kind: "dropped" };

export interface AppliedEvent {
  next: WorkingFlow;
  outcome: Outcome;
  /** The event as the handlers saw it: a queued timer or deadline event resolved against the flow (timer-events.ts). */
  event: AnyEvent;
}

type AnyEvent = { readonly type: string; readonly [field: string]: unknown };

function guardHolds(guard: GuardData, handlers: CallableHandlers, ctx: unknown, event: unknown): boolean {
  if ("ref" in guard) return handlers.guards[guard.ref]!(ctx, event) === true;
  if ("not" in guard) return !guardHolds(guard.not, handlers, ctx, event);
  if ("and" in guard) return guard.and.every((g) => guardHolds(g, handlers, ctx, event));
  return guard.or.some((g) => guardHolds(g, handlers, ctx, event));
}

/** The first clause of one scope whose guard holds; `[else]` holds when reached (no earlier clause of its scope held). */
function chooseClause(clauses: readonly ClauseData[] | undefined, handlers: CallableHandlers, ctx: unknown, event: unknown): ClauseData | undefined {
  if (clauses === undefined) return undefined;
  for (const clause of clauses) {
    if (clause.guard === undefined || clause.guard === "else") return clause;
    if (guardHolds(clause.guard, handlers, ctx, event)) return clause;
  }
  return undefined;
}

function merge(next: WorkingFlow, update: unknown): void {
  if (update !== null && typeof update === "object") next.ctx = { ...next.ctx, ...(update as Record<string, unknown>) };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs the action lists in order (exit, clause, entry), merging each action's context update.
 * Synchronous actions (the common case) cost no promise at all: this returns a promise only once
 * an action returned one, and then runs the rest after it.
 */
function runActions(
  handlers: CallableHandlers, lists: readonly (readonly string[])[], next: WorkingFlow, event: AnyEvent, io: ActionIO, list = 0, from = 0,
): Promise<void> | undefined {
  for (let l = list; l < lists.length; l++) {
    const actions = lists[l]!;
    for (let i = l === list ? from : 0; i < actions.length; i++) {
      const update = handlers.actions[actions[i]!]!(next.ctx, event, io);
      if (isPromiseLike(update)) return finishActions(update, handlers, lists, next, event, io, l, i + 1);
      merge(next, update);
    }
  }
  return undefined;
}

async function finishActions(
  pending: PromiseLike<unknown>, handlers: CallableHandlers, lists: readonly (readonly string[])[], next: WorkingFlow, event: AnyEvent, io: ActionIO, list: number, from: number,
): Promise<void> {
  merge(next, await pending);
  const rest = runActions(handlers, lists, next, event, io, list, from);
  if (rest) await rest;
}

const none: readonly string[] = [];

/** Its outcome once `pending` (the actions still running) is done, or at once when nothing is. */
function after(pending: Promise<void> | undefined, result: AppliedEvent): AppliedEvent | Promise<AppliedEvent> {
  return pending ? pending.then(() => result) : result;
}

/** Exit actions of the current state, the clause's actions, then the target's entry actions. */
function enter(
  definition: MachineDefinition, handlers: CallableHandlers, flow: Readonly<WorkingFlow>, next: WorkingFlow, target: string,
  actions: readonly string[], event: AnyEvent, io: ActionIO, epoch: number,
): AppliedEvent | Promise<AppliedEvent> {
  const from = definition.states[flow.state];
  const to = definition.states[target];
  if (!to) throw new Error(`machine ${definition.name}: transition to undeclared state '${target}'`);
  // Actions see only the context, the event and io, so the new state can be set before they run;
  // if one throws, `next` is thrown away with it.
  next.state = target;
  next.entry = `${epoch}.${io.seq}`;
  const pending = runActions(handlers, [from?.exit ?? none, actions, to.entry], next, event, io);
  return after(pending, { next, outcome: { kind: "applied", entered: target, ended: to.final, start: false }, event });
}

/**
 * Applies `event` (sequence `seq`) to a copy of `flow`: at once when every action it runs is
 * synchronous, else as a promise. Throws (or rejects with) what a guard or action throws;
 * `flow` itself is never changed, so a failed event leaves nothing behind. The context object is
 * replaced, never changed in place, when an action returns an update: an unchanged `ctx` (same
 * object) means an unchanged context.
 */
export function applyEvent(
  definition: MachineDefinition,
  handlers: CallableHandlers,
  flow: Readonly<WorkingFlow>,
  event: AnyEvent,
  io: ActionIO,
  /** The processor's fencing epoch: part of every entry token, so a stale holder's timers never match. */
  epoch: number,
): AppliedEvent | Promise<AppliedEvent> {
  const next: WorkingFlow = { state: flow.state, ctx: flow.ctx, entry: flow.entry };

  if (event.type === "fsm.start") {
    const initial = definition.states[definition.initial];
    if (!initial) throw new Error(`machine ${definition.name}: initial state '${definition.initial}' is not declared`);
    next.state = definition.initial;
    next.entry = `${epoch}.${io.seq}`;
    const pending = runActions(handlers, [initial.entry], next, event, io);
    return after(pending, { next, outcome: { kind: "applied", entered: definition.initial, ended: initial.final, start: true }, event });
  }

  if (event.type === "fsm.deadline") {
    if (!definition.deadline) return { next, outcome: { kind: "dropped" }, event };
    return enter(definition, handlers, flow, next, definition.deadline.target, definition.deadline.actions, resolveDeadlineEvent(definition.deadline), io, epoch);
  }

  let clause: ClauseData | undefined;
  if (event.type === "fsm.timer") {
    // The queued event names the state entry, not the state: timer-events.ts.
    const due = resolveTimerEvent(definition, flow, event);
    if (!due) return { next, outcome: { kind: "dropped" }, event };
    event = due.event;
    clause = chooseClause(due.timer.clauses, handlers, next.ctx, event);
  } else {
    clause = chooseClause(definition.states[flow.state]?.on[event.type], handlers, next.ctx, event) ??
      chooseClause(definition.on[event.type], handlers, next.ctx, event);
  }

  if (!clause) return { next, outcome: { kind: "unhandled" }, event };
  if (clause.target === undefined) {
    const pending = runActions(handlers, [clause.actions], next, event, io);
    return after(pending, { next, outcome: { kind: "applied", ended: false, start: false }, event });
  }
  return enter(definition, handlers, flow, next, clause.target, clause.actions, event, io, epoch);
}
