// The benchmark workload's machine, `BenchCall`, written as the compiler would generate it.
import type { ActionIO, MachineDefinition } from "../../runtime/definition.js";

export type BenchCallState = "Ringing" | "Answered" | "Held" | "Ended";

export type BenchCallEvent =
  | { readonly type: "ANSWER"; readonly agent: string }
  | { readonly type: "HOLD"; readonly reason: string }
  | { readonly type: "RESUME" }
  | { readonly type: "HANGUP"; readonly cause: string };

export interface BenchCallContext {
  readonly callerId: string;
  readonly holds: number;
  readonly maxHolds: number;
}

export interface BenchCallStartContext {
  readonly callerId: string;
  readonly holds?: number;
  readonly maxHolds?: number;
}

export type BenchCallHandlers = {
  readonly guards: {
    readonly withinHoldLimit: (ctx: BenchCallContext, event: Extract<BenchCallEvent, { type: "HOLD" }>) => boolean;
  };
  readonly actions: {
    readonly countHold: (
      ctx: BenchCallContext,
      event: Extract<BenchCallEvent, { type: "HOLD" }>,
      io: ActionIO,
      // biome-ignore lint/suspicious/noConfusingVoidType: the generated action type, which may return nothing
    ) => Partial<BenchCallContext> | void | Promise<Partial<BenchCallContext> | void>;
  };
};

const stringField = { type: "string", maxLength: 64 } as const;

/**
 * Ringing --ANSWER--> Answered --HOLD [withinHoldLimit] / countHold--> Held --RESUME--> Answered,
 * and HANGUP from Answered or Held to the final state Ended.
 */
export const BenchCall: MachineDefinition<BenchCallState, BenchCallEvent, BenchCallContext, BenchCallStartContext, BenchCallHandlers> = {
  name: "BenchCall",
  version: 1,
  initial: "Ringing",
  finals: ["Ended"],
  states: {
    Ringing: { final: false, entry: [], exit: [], on: { ANSWER: [{ target: "Answered", actions: [] }] }, timers: [] },
    Answered: {
      final: false,
      entry: [],
      exit: [],
      on: {
        HOLD: [{ guard: { ref: "withinHoldLimit" }, target: "Held", actions: ["countHold"] }],
        HANGUP: [{ target: "Ended", actions: [] }],
      },
      timers: [],
    },
    Held: {
      final: false,
      entry: [],
      exit: [],
      on: { RESUME: [{ target: "Answered", actions: [] }], HANGUP: [{ target: "Ended", actions: [] }] },
      timers: [],
    },
    Ended: { final: true, entry: [], exit: [], on: {}, timers: [] },
  },
  on: {},
  contextDefaults: { holds: 0, maxHolds: 100 },
  schemas: {
    events: {
      ANSWER: {
        type: "object",
        properties: { type: { const: "ANSWER" }, agent: stringField },
        required: ["type", "agent"],
        additionalProperties: false,
      },
      HOLD: {
        type: "object",
        properties: { type: { const: "HOLD" }, reason: stringField },
        required: ["type", "reason"],
        additionalProperties: false,
      },
      RESUME: { type: "object", properties: { type: { const: "RESUME" } }, required: ["type"], additionalProperties: false },
      HANGUP: {
        type: "object",
        properties: { type: { const: "HANGUP" }, cause: stringField },
        required: ["type", "cause"],
        additionalProperties: false,
      },
    },
    startContext: {
      type: "object",
      properties: { callerId: stringField, holds: { type: "integer", minimum: 0 }, maxHolds: { type: "integer", minimum: 0 } },
      required: ["callerId"],
      additionalProperties: false,
    },
  },
  guards: ["withinHoldLimit"],
  actions: ["countHold"],
};

/** The handlers every variant runs: the same guard and context update as the plain transition. */
export const benchCallHandlers: BenchCallHandlers = {
  guards: { withinHoldLimit: (ctx) => ctx.holds < ctx.maxHolds },
  actions: { countHold: (ctx) => ({ holds: ctx.holds + 1 }) },
};

/** Events per flow in every run: ANSWER, nine HOLD/RESUME pairs, HANGUP. */
export const EVENTS_PER_FLOW = 20;

/** The flow's event number `index` (0-based); every one of them is applied. */
export function benchCallEventAt(index: number): BenchCallEvent {
  if (index === 0) return { type: "ANSWER", agent: "agent-7" };
  if (index === EVENTS_PER_FLOW - 1) return { type: "HANGUP", cause: "caller" };
  return index % 2 === 1 ? { type: "HOLD", reason: "transfer" } : { type: "RESUME" };
}

export function benchCallStartContext(flowId: string): BenchCallStartContext {
  return { callerId: `+1555${flowId.length}${flowId.slice(-4)}` };
}
