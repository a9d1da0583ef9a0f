// Run to completion of one event on a flow held in memory: clause choice, guards, exit → clause → entry actions, context merges.
import type { ActionIO, ClauseData, GuardData, MachineDefinition } from "./definition.js";
import { HandlerError, HandlerResultError, InternalError, type HandlerSite } from "./errors.js";
import { resolveDeadlineEvent, resolveTimerEvent } from "./timer-events.js";
import type { PayloadValidator } from "./validation.js";

/** Handlers as the runtime calls them; `register` checks every name the machine uses is present. */
export interface CallableHandlers {
  readonly guards: { readonly [name: string]: (ctx: unknown, event: unknown) => unknown };
  readonly actions: { readonly [name: string]: (ctx: unknown, event: unknown, io: ActionIO) => unknown };
}

/** What one step needs of a machine: its definition, its handlers, and its context check. */
export interface StepMachine {
  readonly definition: MachineDefinition;
  readonly handlers: CallableHandlers;
  readonly validator: PayloadValidator;
}

/**
 * The `io` of one attempt at one event. Its AbortSignal is made only when an action asks for it:
 * most never do, and the step runs for every event.
 */
export class Attempt implements ActionIO {
  readonly idempotencyKey: string;
  /** The handler running now: its kind and name, what a time limit or a failure names (kept apart: no string per call). */
  #kind: "guard" | "action" = "action";
  #name = "";
  #controller: AbortController | undefined;
  #aborted: { reason: unknown } | undefined;
  #onAbort: ((reason: unknown) => void) | undefined;

  constructor(
    readonly machine: string,
    readonly flowId: string,
    readonly seq: number,
    readonly attempt: number,
  ) {
    this.idempotencyKey = `${flowId}:${seq}`;
  }

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Marks the handler about to run. */
  running(kind: "guard" | "action", name: string): void {
    this.#kind = kind;
    this.#name = name;
  }

  /**
   * Ends the attempt from outside (its time limit, or close() giving up on it): the signal is aborted
   * with `reason`, whoever waits for the attempt is told at once, and no further handler of it runs.
   */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    // Made here if no action took it yet: one that asks later must find it aborted.
    (this.#controller ??= new AbortController()).abort(reason);
    this.#onAbort?.(reason);
  }

  /** Calls `listener` when the attempt is aborted (at once if it already was). */
  onAbort(listener: ((reason: unknown) => void) | undefined): void {
    this.#onAbort = listener;
    if (listener && this.#aborted) listener(this.#aborted.reason);
  }

  /** Throws the abort's reason once the attempt was aborted: an abandoned attempt runs no further handler. */
  throwIfAborted(): void {
    if (this.#aborted) throw this.#aborted.reason;
  }

  site(eventType: string): HandlerSite {
    return { machine: this.machine, flowId: this.flowId, handler: `${this.#kind} ${this.#name}`, eventType };
  }
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

/** Calls one guard: it must return a boolean, synchronously (a promise is not a decision). */
function callGuard(name: string, handlers: CallableHandlers, ctx: unknown, event: AnyEvent, io: Attempt): boolean {
  io.running("guard", name);
  let holds: unknown;
  try {
    holds = handlers.guards[name]!(ctx, event);
  } catch (error) {
    throw new HandlerError(io.site(event.type), { cause: error });
  }
  if (typeof holds === "boolean") return holds;
  const got = isPromiseLike(holds) ? "a promise (guards must decide synchronously)" : describe(holds);
  throw new HandlerResultError(io.site(event.type), "", "type", `a guard must return true or false, got ${got}`);
}

function guardHolds(guard: GuardData, handlers: CallableHandlers, ctx: unknown, event: AnyEvent, io: Attempt): boolean {
  if ("ref" in guard) return callGuard(guard.ref, handlers, ctx, event, io);
  if ("not" in guard) return !guardHolds(guard.not, handlers, ctx, event, io);
  if ("and" in guard) return guard.and.every((g) => guardHolds(g, handlers, ctx, event, io));
  return guard.or.some((g) => guardHolds(g, handlers, ctx, event, io));
}

/** The first clause of one scope whose guard holds; `[else]` holds when reached (no earlier clause of its scope held). */
function chooseClause(
  clauses: readonly ClauseData[] | undefined,
  handlers: CallableHandlers,
  ctx: unknown,
  event: AnyEvent,
  io: Attempt,
): ClauseData | undefined {
  if (clauses === undefined) return undefined;
  for (const clause of clauses) {
    if (clause.guard === undefined || clause.guard === "else") return clause;
    if (guardHolds(clause.guard, handlers, ctx, event, io)) return clause;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/**
 * Merges an action's update into the context, then checks the result as it will be stored: an
 * update is an object of context fields (or nothing: undefined or null); a field set to `undefined`
 * is removed, which clears an optional field and fails the event for a required or defaulted one;
 * every field it sets must be plain JSON and match the machine's context schema. A result that
 * breaks any of that throws HandlerResultError naming the action and the field: the event's
 * attempt fails as if the action had thrown, and nothing of it is committed.
 */
function merge(machine: StepMachine, next: WorkingFlow, update: unknown, event: AnyEvent, io: Attempt): void {
  if (update === undefined || update === null) return;
  if (typeof update !== "object" || Array.isArray(update)) {
    throw new HandlerResultError(io.site(event.type), "", "type", `an action returns an object of context fields or nothing, got ${describe(update)}`);
  }
  const found = machine.validator.updateProblem(update as Record<string, unknown>);
  if (found) throw new HandlerResultError(io.site(event.type), found.field, found.rule, `context ${found.text}`);
  const ctx: Record<string, unknown> = { ...next.ctx, ...(update as Record<string, unknown>) };
  for (const key of Object.keys(update)) if (ctx[key] === undefined) delete ctx[key];
  next.ctx = ctx;
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
  machine: StepMachine,
  lists: readonly (readonly string[])[],
  next: WorkingFlow,
  event: AnyEvent,
  io: Attempt,
  list = 0,
  from = 0,
): Promise<void> | undefined {
  const actions = machine.handlers.actions;
  for (let l = list; l < lists.length; l++) {
    const names = lists[l]!;
    for (let i = l === list ? from : 0; i < names.length; i++) {
      io.running("action", names[i]!);
      let update: unknown;
      try {
        update = actions[names[i]!]!(next.ctx, event, io);
      } catch (error) {
        throw new HandlerError(io.site(event.type), { cause: error });
      }
      if (isPromiseLike(update)) return finishActions(update, machine, lists, next, event, io, l, i + 1);
      merge(machine, next, update, event, io);
    }
  }
  return undefined;
}

async function finishActions(
  pending: PromiseLike<unknown>,
  machine: StepMachine,
  lists: readonly (readonly string[])[],
  next: WorkingFlow,
  event: AnyEvent,
  io: Attempt,
  list: number,
  from: number,
): Promise<void> {
  let update: unknown;
  try {
    update = await pending;
  } catch (error) {
    io.throwIfAborted();
    throw new HandlerError(io.site(event.type), { cause: error });
  }
  // Past its time limit (or abandoned by close()), the attempt is over: its late result is ignored
  // and the actions after it never run, while the retry runs them.
  io.throwIfAborted();
  merge(machine, next, update, event, io);
  const rest = runActions(machine, lists, next, event, io, list, from);
  if (rest) await rest;
}

const none: readonly string[] = [];

/** Its outcome once `pending` (the actions still running) is done, or at once when nothing is. */
function after(pending: Promise<void> | undefined, result: AppliedEvent): AppliedEvent | Promise<AppliedEvent> {
  return pending ? pending.then(() => result) : result;
}

/** Exit actions of the current state, the clause's actions, then the target's entry actions. */
function enter(
  machine: StepMachine,
  flow: Readonly<WorkingFlow>,
  next: WorkingFlow,
  target: string,
  actions: readonly string[],
  event: AnyEvent,
  io: Attempt,
  epoch: number,
  skipActions: boolean,
): AppliedEvent | Promise<AppliedEvent> {
  const definition = machine.definition;
  const from = definition.states[flow.state];
  const to = definition.states[target];
  if (!to) throw new InternalError(`machine ${definition.name}: transition to undeclared state '${target}'`);
  // Actions see only the context, the event and io, so the new state can be set before they run;
  // if one throws, `next` is thrown away with it.
  next.state = target;
  next.entry = `${epoch}.${io.seq}`;
  const pending = skipActions ? undefined : runActions(machine, [from?.exit ?? none, actions, to.entry], next, event, io);
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
  machine: StepMachine,
  flow: Readonly<WorkingFlow>,
  event: AnyEvent,
  io: Attempt,
  /** The processor's fencing epoch: part of every entry token, so a stale holder's timers never match. */
  epoch: number,
): AppliedEvent | Promise<AppliedEvent> {
  const definition = machine.definition;
  const handlers = machine.handlers;
  const next: WorkingFlow = { state: flow.state, ctx: flow.ctx, entry: flow.entry };

  if (event.type === "fsm.start") {
    const initial = definition.states[definition.initial];
    if (!initial) throw new InternalError(`machine ${definition.name}: initial state '${definition.initial}' is not declared`);
    next.state = definition.initial;
    next.entry = `${epoch}.${io.seq}`;
    const pending = runActions(machine, [initial.entry], next, event, io);
    return after(pending, { next, outcome: { kind: "applied", entered: definition.initial, ended: initial.final, start: true }, event });
  }

  // Queued by `fsmc flows migrate` only to get the flow taken: the migration happens as it is taken.
  if (event.type === "fsm.migrate") return { next, outcome: { kind: "dropped" }, event };

  if (event.type === "fsm.deadline") {
    if (!definition.deadline) return { next, outcome: { kind: "dropped" }, event };
    return enter(machine, flow, next, definition.deadline.target, definition.deadline.actions, resolveDeadlineEvent(definition.deadline), io, epoch, false);
  }

  let clause: ClauseData | undefined;
  if (event.type === "fsm.timer") {
    // The queued event names the state entry, not the state: timer-events.ts.
    const due = resolveTimerEvent(definition, flow, event);
    if (!due) return { next, outcome: { kind: "dropped" }, event };
    event = due.event;
    clause = chooseClause(due.timer.clauses, handlers, next.ctx, event, io);
  } else {
    clause =
      chooseClause(definition.states[flow.state]?.on[event.type], handlers, next.ctx, event, io) ??
      chooseClause(definition.on[event.type], handlers, next.ctx, event, io);
  }

  if (!clause) return { next, outcome: { kind: "unhandled" }, event };
  if (clause.target === undefined) {
    const pending = runActions(machine, [clause.actions], next, event, io);
    return after(pending, { next, outcome: { kind: "applied", ended: false, start: false }, event });
  }
  return enter(machine, flow, next, clause.target, clause.actions, event, io, epoch, false);
}

/**
 * The deadline's transition without any handler: what ends a flow whose deadline event failed every
 * allowed attempt (its actions, or the exit actions of the state it leaves, keep failing or hanging).
 * Every flow with a deadline ends, whatever its handlers do.
 */
export function forceDeadline(machine: StepMachine, flow: Readonly<WorkingFlow>, io: Attempt, epoch: number): AppliedEvent {
  const deadline = machine.definition.deadline;
  const next: WorkingFlow = { state: flow.state, ctx: flow.ctx, entry: flow.entry };
  if (!deadline) return { next, outcome: { kind: "dropped" }, event: { type: "fsm.deadline" } };
  return enter(machine, flow, next, deadline.target, none, resolveDeadlineEvent(deadline), io, epoch, true) as AppliedEvent;
}
