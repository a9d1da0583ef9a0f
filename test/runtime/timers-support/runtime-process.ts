// A child process running a full FlowRuntime (drains, sweeper, timer service) with the "Burst" machine: an internal timer that fires once per flow.
// argv: <redis url> [timer shards | "default"] [timer ms]. IPC in: { kind: "start", prefix, from, to }. IPC out: "ready", { kind: "started", count }.
import { Redis } from "ioredis";
import { FlowRuntime } from "../../../runtime/index.js";
import { BURST_TIMER_MS, burstMachine } from "./burst.js";
import { timedHandlers } from "./machines.js";

const [url, timerShards, timerMs] = process.argv.slice(2);
if (!url || !process.send) throw new Error("usage: fork runtime-process <redis url> with an IPC channel");

const recorder = new Redis(url);
const runtime = new FlowRuntime({
  redis: url,
  lockTtlMs: 1_000,
  sweepIntervalMs: 200,
  timerPollMs: 20,
  ...(timerShards && timerShards !== "default" ? { timerShards: Number(timerShards) } : {}),
});
// Side effects are at-least-once (counted here); the committed context counts applications (exactly once).
const burst = runtime.register(
  burstMachine(timerMs ? Number(timerMs) : BURST_TIMER_MS),
  timedHandlers({ onFire: async (flowId) => void (await recorder.hincrby("test:fired", flowId, 1)) }),
);
await runtime.start();

process.on("message", async (message: { kind: string; prefix: string; from: number; to: number }) => {
  if (message.kind !== "start") return;
  const pending: Promise<void>[] = [];
  for (let i = message.from; i < message.to; i++) {
    pending.push(burst.start(`${message.prefix}-${i}`, {}));
    if (pending.length === 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  process.send!({ kind: "started", count: message.to - message.from });
});

process.on("SIGTERM", async () => {
  await runtime.close();
  recorder.disconnect();
  process.exit(0);
});
process.send("ready");
