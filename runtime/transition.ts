// Run to completion of one event on a flow held in memory: clause choice, guards, exit → clause → entry actions, context merges.
import type { ActionIO, ClauseData, GuardData, MachineDefinition } from "./definition.js";

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
}

type AnyEvent = { readonly type: string; readonly [field: string]: unknown };

function guardHolds(guard: GuardData, handlers: CallableHandlers, ctx: unknown, event: unknown): boolean {
  if ("ref" in guard) return handlers.guards[guard.ref]!(ctx, event) === true;
  if ("not" in guard) return !guardHolds(guard.not, handlers, ctx, event);
  if ("and" in guard) return guard.and.every((g) => guardHolds(g, handlers, ctx, event));
  return guard.or.some((g) => guardHolds(g, handlers, ctx, event));
}

/** The first clause whose guard holds, scope by scope; `[else]` holds when reached (no earlier clause of its scope held). */
function chooseClause(scopes: readonly (readonly ClauseData[] | undefined)[], handlers: CallableHandlers, ctx: unknown, event: unknown): ClauseData | undefined {
  for (const clauses of scopes) {
    for (const clause of clauses ?? []) {
      if (clause.guard === undefined || clause.guard === "else") return clause;
      if (guardHolds(clause.guard, handlers, ctx, event)) return clause;
    }
  }
  return undefined;
}

/**
 * Applies `event` (sequence `seq`) to a copy of `flow`. Throws what a guard or action throws;
 * `flow` itself is never changed, so a failed event leaves nothing behind.
 */
export async function applyEvent(
  definition: MachineDefinition,
  handlers: CallableHandlers,
  flow: Readonly<WorkingFlow>,
  event: AnyEvent,
  io: ActionIO,
  /** The processor's fencing epoch: part of every entry token, so a stale holder's timers never match. */
  epoch: number,
): Promise<AppliedEvent> {
  const next: WorkingFlow = { ...flow };
  const run = async (actions: readonly string[]) => {
    for (const name of actions) {
      const update = await handlers.actions[name]!(next.ctx, event, io);
      if (update !== null && typeof update === "object") next.ctx = { ...next.ctx, ...(update as Record<string, unknown>) };
    }
  };
  const enter = async (target: string, actions: readonly string[]) => {
    const from = definition.states[flow.state];
    const to = definition.states[target];
    if (!to) throw new Error(`machine ${definition.name}: transition to undeclared state '${target}'`);
    await run(from?.exit ?? []);
    await run(actions);
    next.state = target;
    next.entry = `${epoch}.${io.seq}`;
    await run(to.entry);
    return { kind: "applied", entered: target, ended: to.final, start: false } as const;
  };

  if (event.type === "fsm.start") {
    const initial = definition.states[definition.initial];
    if (!initial) throw new Error(`machine ${definition.name}: initial state '${definition.initial}' is not declared`);
    next.state = definition.initial;
    next.entry = `${epoch}.${io.seq}`;
    await run(initial.entry);
    return { next, outcome: { kind: "applied", entered: definition.initial, ended: initial.final, start: true } };
  }

  if (event.type === "fsm.deadline") {
    if (!definition.deadline) return { next, outcome: { kind: "dropped" } };
    return { next, outcome: await enter(definition.deadline.target, definition.deadline.actions) };
  }

  let scopes: (readonly ClauseData[] | undefined)[];
  if (event.type === "fsm.timer") {
    if (event.state !== flow.state || event.entry !== flow.entry) return { next, outcome: { kind: "dropped" } };
    const timer = definition.states[flow.state]?.timers.find((t) => t.id === event.timer);
    if (!timer) return { next, outcome: { kind: "dropped" } };
    scopes = [timer.clauses];
  } else {
    scopes = [definition.states[flow.state]?.on[event.type], definition.on[event.type]];
  }

  const clause = chooseClause(scopes, handlers, next.ctx, event);
  if (!clause) return { next, outcome: { kind: "unhandled" } };
  if (clause.target === undefined) {
    await run(clause.actions);
    return { next, outcome: { kind: "applied", ended: false, start: false } };
  }
  return { next, outcome: await enter(clause.target, clause.actions) };
}
