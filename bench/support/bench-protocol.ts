// Messages between the coordinating bench process and its child bench processes (Node IPC).
import type { Consistency } from "./flow-driver.js";

export type VariantName = "fsmc" | "limit" | "naive" | "bullmq" | "xstate";

export interface InitMessage {
  readonly kind: "init";
  readonly variant: VariantName;
  readonly redisUrl: string;
  readonly processIndex: number;
  readonly processCount: number;
  readonly consistency: Consistency;
  readonly replicas: number;
}

/** Closed loop: every flow sends its next event as soon as the previous one is acked. */
export interface ClosedLoadPlan {
  readonly shape: "closed";
}

/** Open loop: events are due at a fixed rate, round-robin over the flows; a flow still awaiting an ack queues its next event. */
export interface OpenLoadPlan {
  readonly shape: "open";
  /** Events per second this process offers. */
  readonly eventsPerSecond: number;
}

export interface PrepareMessage {
  readonly kind: "prepare";
  /** Unique per round, shared by the round's processes. */
  readonly roundId: string;
  readonly flowIds: readonly string[];
  readonly load: ClosedLoadPlan | OpenLoadPlan;
}

export type ParentMessage = InitMessage | PrepareMessage | { readonly kind: "go" } | { readonly kind: "stop" } | { readonly kind: "exit" };

export interface RoundReport {
  readonly startedAt: number;
  readonly lastCommittedAt: number;
  readonly sent: number;
  readonly committed: number;
  /** CPU (user + system) this process used from the round's start until it was told to stop. */
  readonly cpuMicros: number;
  /** Open loop only: ms from an event's due time to its ack, and to its commit (commits seen in this process). */
  readonly ackLatencies: readonly number[];
  readonly committedLatencies: readonly number[];
}

export type ChildMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "prepared" }
  | { readonly kind: "progress"; readonly committed: number; readonly sent: number; readonly sendingDone: boolean }
  | { readonly kind: "report"; readonly report: RoundReport }
  | { readonly kind: "failed"; readonly message: string };
