// A flow author's implementation of every InboundCall handler: must compile under strict with each event narrowed.
import {
  InboundCall,
  type InboundCallEvent,
  type InboundCallHandlers,
  type InboundCallStartContext,
  type InboundCallState,
} from "../fixtures/emit/expected/inbound-call.js";
import type { FlowRuntime } from "fsmc/runtime";

export const handlers: InboundCallHandlers = {
  guards: {
    hasOtherAgents: (_ctx, event) => event.reason !== "no agents",
    isMenuChoice: (_ctx, event) => event.digit !== "*" && event.digit !== "#",
    // Reached by Digit and BridgeFailed: both may be read after narrowing on `type`.
    tooManyAttempts: (ctx, event) => ctx.attempts >= (event.type === "Digit" ? 3 : 2),
  },
  actions: {
    bridgeToAgent: async (ctx, _event, io) => {
      await Promise.resolve(`${io.idempotencyKey}:${ctx.caller}`);
    },
    countAttempt: (ctx, event) => ({ attempts: ctx.attempts + (event.type === "fsm.timer" && event.state === "Greeting" ? 1 : 2) }),
    logTimeout: (_ctx, event) => {
      const ms: number = event.ms;
      void ms;
    },
    playGoodbye: (_ctx, event) => {
      if (event.type === "fsm.timer") {
        const timer: string = event.timer;
        void timer;
      }
    },
    playGreeting: (_ctx, event) => {
      // Entered from Ringing on Answered, or again when its own 10s timer fires.
      const from: "Answered" | "fsm.timer" = event.type;
      void from;
    },
    playRetry: (ctx, event) => ({ digits: ctx.digits + event.digit }),
    recordHangup: (_ctx, event) => ({ agent: event.cause ?? "unknown" }),
    releaseResources: () => undefined,
    stopRecording: (_ctx, event) => {
      const kind: "Hangup" | "fsm.deadline" = event.type;
      void kind;
    },
    storeAgent: (_ctx, event) => ({ agent: event.agent }),
    storeDigit: (_ctx, event) => ({ digits: event.digit }),
  },
};

export const start: InboundCallStartContext = { caller: "+15550100" };
export const events: InboundCallEvent[] = [{ type: "Answered" }, { type: "Digit", digit: "7" }, { type: "Hangup" }, { type: "Bridged", agent: "a-1" }];
export const initial: InboundCallState = InboundCall.initial;

/** Registering the definition with the runtime ties its handlers, start context and events together. */
export async function run(runtime: FlowRuntime): Promise<void> {
  const client = runtime.register(InboundCall, handlers);
  await client.start("call-1", start);
  await client.send("call-1", { type: "Digit", digit: "1" });
}
