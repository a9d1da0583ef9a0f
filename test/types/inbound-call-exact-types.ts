// Exact types of the InboundCall module: each handler's event is exactly the union of the events that can reach it.
import type { DeadlineEvent, StartEvent, TimerEvent } from "fsmc/runtime";
import type {
  InboundCallAnsweredEvent as Answered,
  InboundCallBridgeFailedEvent as BridgeFailed,
  InboundCallBridgedEvent as Bridged,
  InboundCallContext,
  InboundCallDigitEvent as Digit,
  InboundCallEvent,
  InboundCallHandlers as Handlers,
  InboundCallHangupEvent as Hangup,
  InboundCallStartContext,
  InboundCallState,
} from "../fixtures/emit/expected/inbound-call.js";

/** True only when A and B are the same type (not merely assignable either way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type GuardEvent<K extends keyof Handlers["guards"]> = Parameters<Handlers["guards"][K]>[1];
type ActionEvent<K extends keyof Handlers["actions"]> = Parameters<Handlers["actions"][K]>[1];

export const exact: true[] = [
  // A clause's guard and actions get the clause's trigger; a guard used on two events gets both.
  true as Equals<GuardEvent<"isMenuChoice">, Digit>,
  true as Equals<GuardEvent<"tooManyAttempts">, Digit | BridgeFailed>,
  true as Equals<GuardEvent<"hasOtherAgents">, BridgeFailed>,
  true as Equals<ActionEvent<"storeAgent">, Bridged>,
  // Actions on timer clauses get the state's timer event; on the deadline, the deadline event.
  true as Equals<ActionEvent<"countAttempt">, Digit | BridgeFailed | TimerEvent<"Greeting">>,
  true as Equals<ActionEvent<"playGoodbye">, Digit | BridgeFailed | TimerEvent<"Routing">>,
  true as Equals<ActionEvent<"logTimeout">, DeadlineEvent>,
  // Entry actions: every external clause into the state (its own self-transition timer included).
  true as Equals<ActionEvent<"playGreeting">, Answered | TimerEvent<"Greeting">>,
  true as Equals<ActionEvent<"bridgeToAgent">, Digit | BridgeFailed>,
  // Entry of a final state: state clauses, machine-level `on` and timers that lead there.
  true as Equals<ActionEvent<"releaseResources">, Digit | Hangup | BridgeFailed | TimerEvent<"Routing">>,
  // Exit actions: every external clause leaving the state, machine-level `on` and the deadline.
  true as Equals<ActionEvent<"stopRecording">, Hangup | DeadlineEvent>,
  true as Equals<ActionEvent<"recordHangup">, Hangup>,
  // The union of events, the states, and both contexts.
  true as Equals<InboundCallEvent, Answered | Digit | Hangup | Bridged | BridgeFailed>,
  true as Equals<InboundCallState, "Ringing" | "Greeting" | "Routing" | "Connected" | "Ended" | "Missed" | "TimedOut">,
  true as Equals<InboundCallContext, { caller: string; digits: string; attempts: number; agent?: string }>,
  true as Equals<InboundCallStartContext, { caller: string; digits?: string; attempts?: number; agent?: string }>,
  true as Equals<Hangup, { readonly type: "Hangup"; readonly cause?: string }>,
];

// The initial state's entry actions also receive the start event; InboundCall's initial state has none.
export const startEvent: StartEvent = { type: "fsm.start" };
