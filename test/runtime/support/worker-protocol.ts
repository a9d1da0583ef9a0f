// The IPC messages between a test and its runtime worker processes.
import type { FlowRuntimeOptions } from "../../../runtime/index.js";
import type { CallEvent } from "../fixtures/call.js";

export interface WorkerConfig {
  /** Runtime options minus the hooks (the worker reports hook calls as messages). */
  options: Omit<FlowRuntimeOptions, "onError" | "onUnhandled">;
  /** Post an `action` message for every action run. */
  reportActions?: boolean;
  /** Make every `note` action take this long, so a drain is in progress for a while. */
  noteDelayMs?: number;
  /** Versions of the Order machine (fixtures/order.ts) to register too; new Order flows start on the newest. */
  orderVersions?: number[];
}

export type WorkerRequest = { id: number } & (
  | { op: "start"; flowId: string; eventId?: string }
  | { op: "send"; flowId: string; event: CallEvent; eventId?: string }
  | { op: "orderStart"; flowId: string }
  | { op: "orderSend"; flowId: string; event: { type: string } }
  | { op: "metrics" }
  | { op: "close" }
);

export type WorkerMessage =
  | { kind: "ready"; pid: number }
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: { name: string; message: string } }
  | { kind: "action"; name: string; eventType: string; flowId: string; seq: number; pid: number }
  | { kind: "error"; name: string; message: string; phase: string }
  | { kind: "unhandled"; machine: string; flowId: string; state: string; eventType: string };
