// What the generated CallbackDialer types refuse: timer-reached handlers must narrow before reading event fields.
import type { CallbackDialerContext, CallbackDialerHandlers } from "../fixtures/emit/expected/callback-dialer.js";

declare const handlers: CallbackDialerHandlers;

export const guards: CallbackDialerHandlers["guards"] = {
  ...handlers.guards,
  // Reached by Failed and by Dialing's timer: `cause` exists only after narrowing to Failed.
  canRetry: (ctx, event) => event.type === "fsm.timer" || (event.cause !== "rejected" && ctx.maxAttempts > 0),
  // @ts-expect-error isHuman is reached by Answered only; its optional flag is `boolean | undefined`, not boolean
  isHuman: (_ctx, event) => event.humanDetected,
};

export const actions: CallbackDialerHandlers["actions"] = {
  ...handlers.actions,
  // @ts-expect-error countFailure is also reached by a timer event, which has no `cause`
  countFailure: (_ctx, event) => ({ lastCause: event.cause === "rejected" ? "busy" : event.cause }),
  // @ts-expect-error `tags` holds "vip" | "retry" values only
  storeAnswer: () => ({ tags: ["gold"] }),
};

export const context: CallbackDialerContext = {
  numbers: ["+15550100"],
  priority: 1,
  maxAttempts: 3,
  recorded: false,
  notes: [],
};

// @ts-expect-error defaulted fields are always present in the context: `recorded` cannot be left out
export const partial: CallbackDialerContext = { numbers: [], priority: 1, maxAttempts: 3, notes: [] };
