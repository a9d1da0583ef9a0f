// What the generated InboundCall types refuse: each line below an @ts-expect-error must be a type error.
import type { FlowRuntime } from "fsmc/runtime";
import {
  InboundCall,
  type InboundCallContext,
  type InboundCallEvent,
  type InboundCallHandlers,
  type InboundCallStartContext,
} from "../fixtures/emit/expected/inbound-call.js";

declare const handlers: InboundCallHandlers;

export const guards: InboundCallHandlers["guards"] = {
  ...handlers.guards,
  // @ts-expect-error a BridgeFailed guard reads `digit`, which only Digit events have
  hasOtherAgents: (_ctx, event) => event.digit === "1",
};

export const actions: InboundCallHandlers["actions"] = {
  ...handlers.actions,
  // @ts-expect-error `attempts` is an int field: a string is a wrong context update
  countAttempt: () => ({ attempts: "3" }),
  // @ts-expect-error storeDigit is only reached by Digit events, never by a timer
  storeDigit: (_ctx, event) => ({ digits: event.timer }),
};

// @ts-expect-error `digit` is a literal union of keys; "x" is not one of them
export const wrongPayload: InboundCallEvent = { type: "Digit", digit: "x" };

// @ts-expect-error Bridged requires its `agent` field
export const missingField: InboundCallEvent = { type: "Bridged" };

// @ts-expect-error `caller` has no default and is not optional: starting a flow needs it
export const noCaller: InboundCallStartContext = {};

const { storeDigit: _left, ...allButStoreDigit } = handlers.actions;
// @ts-expect-error every action must be implemented: storeDigit is missing
export const missingAction: InboundCallHandlers["actions"] = allButStoreDigit;

export function unknownField(ctx: InboundCallContext): Partial<InboundCallContext> {
  // @ts-expect-error the context has no `language` field
  return { ...ctx, language: "en" };
}

export async function misuseTheClient(runtime: FlowRuntime): Promise<void> {
  const client = runtime.register(InboundCall, handlers);
  // @ts-expect-error the client of InboundCall sends only InboundCall's events
  await client.send("call-1", { type: "Dial" });
  // @ts-expect-error starting a flow needs the required context field `caller`
  await client.start("call-1", { attempts: 1 });
}
