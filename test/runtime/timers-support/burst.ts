// The machine of the multi-process timer tests: Idle has one internal timer, so a second application of it would show in `fired`.
import { tickingMachine, type TimedMachine } from "./machines.js";

export const BURST_TIMER_MS = 300;

export function burstMachine(ms: number): TimedMachine {
  return tickingMachine("Burst", ms);
}
