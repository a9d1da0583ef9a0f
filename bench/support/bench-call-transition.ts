// The BenchCall transition as a plain function: what the baselines run where fsmc runs the definition.
import { BenchCall, benchCallHandlers, type BenchCallContext, type BenchCallEvent, type BenchCallStartContext, type BenchCallState } from "./bench-call.js";

/** What a hand-written implementation stores per flow (one JSON string under one key). */
export interface BenchCallRecord {
  readonly state: BenchCallState;
  readonly context: BenchCallContext;
  readonly version: number;
}

export function initialBenchCallRecord(start: BenchCallStartContext): BenchCallRecord {
  const context: BenchCallContext = { holds: 0, maxHolds: 100, ...start };
  return { state: BenchCall.initial, context, version: 0 };
}

/** Applies one event; `applied` is false when the state has no transition for it (the record is unchanged). */
export function applyBenchCallEvent(record: BenchCallRecord, event: BenchCallEvent): { record: BenchCallRecord; applied: boolean } {
  const { state, context, version } = record;
  switch (event.type) {
    case "ANSWER":
      if (state === "Ringing") return { record: { state: "Answered", context, version: version + 1 }, applied: true };
      break;
    case "HOLD":
      if (state === "Answered" && benchCallHandlers.guards.withinHoldLimit(context, event)) {
        return { record: { state: "Held", context: { ...context, holds: context.holds + 1 }, version: version + 1 }, applied: true };
      }
      break;
    case "RESUME":
      if (state === "Held") return { record: { state: "Answered", context, version: version + 1 }, applied: true };
      break;
    case "HANGUP":
      if (state === "Answered" || state === "Held") return { record: { state: "Ended", context, version: version + 1 }, applied: true };
      break;
  }
  return { record, applied: false };
}
