// Hand-written machines shaped like generated code, each exercising one timer behaviour; handlers record what ran in the context.
import type { ActionFn, ClauseData, DeadlineEvent, GuardFn, MachineDefinition, StateData, TimerData, TimerEvent } from "../../../runtime/index.js";

export interface TimedContext {
  /** `<action>:<event type>[:<timer id>]` of every action run, in order. */
  trail: string[];
  /** Timer clauses applied (committed: exactly once each). */
  fired: number;
}

export type TimedEvent = { type: "Poke"; ms: number } | { type: "Leave" } | { type: "Again" };

/** Handlers typed like the generated ones: a timer clause's actions receive a TimerEvent, the deadline's a DeadlineEvent. */
export interface TimedHandlers {
  guards: { enough: GuardFn<TimedContext, TimerEvent> };
  actions: {
    fire: ActionFn<TimedContext, TimerEvent>;
    note: ActionFn<TimedContext, TimedEvent>;
    work: ActionFn<TimedContext, Extract<TimedEvent, { type: "Poke" }>>;
    onDeadline: ActionFn<TimedContext, DeadlineEvent>;
  };
}

export type TimedMachine = MachineDefinition<string, TimedEvent, TimedContext, Partial<TimedContext>, TimedHandlers>;

const eventSchema = (type: string, properties: Record<string, unknown> = {}, required: string[] = []) => ({
  type: "object",
  properties: { type: { const: type }, ...properties },
  required: ["type", ...required],
  additionalProperties: false,
});

const state = (parts: Partial<StateData>): StateData => ({ final: false, entry: [], exit: [], on: {}, timers: [], ...parts });
const timer = (stateName: string, ms: number, clauses: ClauseData[]): TimerData => ({ id: `${stateName}/${ms}ms`, ms, clauses });

function machine(name: string, initial: string, states: Record<string, StateData>, deadline?: MachineDefinition["deadline"]): TimedMachine {
  return {
    name,
    version: 1,
    initial,
    finals: Object.keys(states).filter((s) => states[s]!.final),
    states,
    on: {},
    ...(deadline ? { deadline } : {}),
    contextDefaults: { trail: [], fired: 0 },
    schemas: {
      events: {
        Poke: eventSchema("Poke", { ms: { type: "integer", minimum: 0 } }, ["ms"]),
        Leave: eventSchema("Leave"),
        Again: eventSchema("Again"),
      },
      startContext: { type: "object" },
    },
    guards: ["enough"],
    actions: ["fire", "note", "onDeadline", "work"],
  };
}

const done = state({ final: true });

/** Waiting: `on Poke / work` (internal, slow), `on Leave -> Elsewhere / note`, `on Again -> Waiting / note`, `after <ms> -> Done / fire`. */
export function waitingMachine(name: string, ms: number): TimedMachine {
  return machine(name, "Waiting", {
    Waiting: state({
      on: {
        Poke: [{ actions: ["work"] }],
        Leave: [{ target: "Elsewhere", actions: ["note"] }],
        Again: [{ target: "Waiting", actions: ["note"] }],
      },
      timers: [timer("Waiting", ms, [{ target: "Done", actions: ["fire"] }])],
    }),
    Elsewhere: state({ on: { Leave: [{ target: "Done", actions: [] }] } }),
    Done: done,
  });
}

/** Looping: `after <ms> [enough] -> Done / fire`, `after <ms> [else] -> Looping / fire` (a self-transition each time). */
export function loopingMachine(name: string, ms: number): TimedMachine {
  return machine(name, "Looping", {
    Looping: state({
      timers: [
        timer("Looping", ms, [
          { guard: { ref: "enough" }, target: "Done", actions: ["fire"] },
          { guard: "else", target: "Looping", actions: ["fire"] },
        ]),
      ],
    }),
    Done: done,
  });
}

/** Idle: `after <ms> / fire` (internal: no state change), `on Again -> Idle / note`, `on Leave -> Done`. */
export function tickingMachine(name: string, ms: number): TimedMachine {
  return machine(name, "Idle", {
    Idle: state({
      on: { Again: [{ target: "Idle", actions: ["note"] }], Leave: [{ target: "Done", actions: [] }] },
      timers: [timer("Idle", ms, [{ actions: ["fire"] }])],
    }),
    Done: done,
  });
}

/** `deadline <ms> -> TimedOut / onDeadline`; Waiting has no timer and only `on Leave -> Done`. */
export function silentMachine(name: string, deadlineMs: number): TimedMachine {
  return machine(
    name,
    "Waiting",
    { Waiting: state({ on: { Leave: [{ target: "Done", actions: [] }] } }), Done: done, TimedOut: state({ final: true }) },
    { ms: deadlineMs, target: "TimedOut", actions: ["onDeadline"] },
  );
}

/** Handlers recording into `trail`; `fire` counts into `fired`; `onFire` lets a test observe side effects (at-least-once). */
export function timedHandlers(options: { loops?: number; onFire?: (flowId: string) => Promise<void> } = {}): TimedHandlers {
  const loops = options.loops ?? 3;
  return {
    guards: { enough: (ctx) => ctx.fired + 1 >= loops },
    actions: {
      fire: async (ctx, event, io) => {
        await options.onFire?.(io.flowId);
        return { fired: ctx.fired + 1, trail: [...ctx.trail, `fire:${event.type}:${event.timer}:${event.state}`] };
      },
      note: (ctx, event) => ({ trail: [...ctx.trail, `note:${event.type}`] }),
      work: async (ctx, event) => {
        await new Promise((resolve) => setTimeout(resolve, event.ms));
        return { trail: [...ctx.trail, `work:${event.type}`] };
      },
      onDeadline: (ctx, event) => ({ trail: [...ctx.trail, `onDeadline:${event.type}:${event.ms}`] }),
    },
  };
}
