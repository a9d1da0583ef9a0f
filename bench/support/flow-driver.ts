// The interface every benchmarked variant (fsmc and each baseline) implements inside a bench process.
import type { BenchCallEvent } from "./bench-call.js";

export type Consistency = "fast" | "replicated";

export interface FlowDriverOptions {
  readonly redisUrl: string;
  /** 0-based index of this process among `processCount` processes of the same variant. */
  readonly processIndex: number;
  readonly processCount: number;
  readonly consistency: Consistency;
  /** Replicas `replicated` waits for. */
  readonly replicas: number;
}

/** Called once per event, in whichever process observes its effect committed; `seq` is the event's 0-based index in its flow. */
export type CommittedListener = (flowId: string, seq: number) => void;

export interface FlowDriver {
  /** Creates the round's flows in their initial state (not timed) and readies whatever processes events. */
  prepare(roundId: string, flowIds: readonly string[], onCommitted: CommittedListener): Promise<void>;
  /** Sends the flow's event number `seq`; resolves on ack. */
  send(flowId: string, seq: number, event: BenchCallEvent): Promise<void>;
  /** Releases what `prepare` set up, after every process saw its round end. */
  finishRound(): Promise<void>;
  close(): Promise<void>;
}

export type FlowDriverFactory = (options: FlowDriverOptions) => Promise<FlowDriver>;

/** The current time in ms on a clock shared by every process on this machine. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}
