// A child bench process: hosts one variant's driver and generates its share of the load, steered over IPC.
import { EVENTS_PER_FLOW, benchCallEventAt } from "./bench-call.js";
import type { ChildMessage, InitMessage, OpenLoadPlan, ParentMessage, PrepareMessage, RoundReport, VariantName } from "./bench-protocol.js";
import { sharedClockMs, type FlowDriver, type FlowDriverFactory } from "./flow-driver.js";

const driverModules: Record<VariantName, string> = {
  fsmc: "./fsmc-driver.js",
  limit: "../baselines/limit.js",
  naive: "../baselines/naive.js",
  bullmq: "../baselines/bullmq.js",
  xstate: "../baselines/xstate.js",
};

const PROGRESS_INTERVAL_MS = 25;

function post(message: ChildMessage): void {
  process.send?.(message);
}

interface ActiveRound {
  readonly flowIds: readonly string[];
  readonly flowIndex: Map<string, number>;
  readonly load: PrepareMessage["load"];
  startedAt: number;
  lastCommittedAt: number;
  sent: number;
  committed: number;
  sendingDone: boolean;
  /** Open loop: the shared-clock time event (flow, seq) was due. */
  dueAt: (flowIndex: number, seq: number) => number;
  readonly ackLatencies: number[];
  readonly committedLatencies: number[];
  progressTimer?: NodeJS.Timeout;
  /** CPU this process had used when the round started. */
  cpuAtStart?: NodeJS.CpuUsage;
}

let driver: FlowDriver | undefined;
let round: ActiveRound | undefined;

async function init(message: InitMessage): Promise<void> {
  const module = (await import(driverModules[message.variant])) as { createDriver: FlowDriverFactory };
  driver = await module.createDriver(message);
  post({ kind: "ready" });
}

async function prepare(message: PrepareMessage): Promise<void> {
  if (!driver) throw new Error("prepare before init");
  const active: ActiveRound = {
    flowIds: message.flowIds,
    flowIndex: new Map(message.flowIds.map((flowId, index) => [flowId, index])),
    load: message.load,
    startedAt: 0,
    lastCommittedAt: 0,
    sent: 0,
    committed: 0,
    sendingDone: false,
    dueAt: () => 0,
    ackLatencies: [],
    committedLatencies: [],
  };
  round = active;
  await driver.prepare(message.roundId, message.flowIds, (flowId, seq) => {
    const now = sharedClockMs();
    active.committed += 1;
    active.lastCommittedAt = now;
    if (active.load.shape === "open") {
      const index = active.flowIndex.get(flowId);
      if (index !== undefined) active.committedLatencies.push(now - active.dueAt(index, seq));
    }
  });
  post({ kind: "prepared" });
}

function reportProgress(active: ActiveRound): void {
  post({ kind: "progress", committed: active.committed, sent: active.sent, sendingDone: active.sendingDone });
}

async function runClosedLoop(sendingDriver: FlowDriver, active: ActiveRound): Promise<void> {
  await Promise.all(
    active.flowIds.map(async (flowId) => {
      for (let seq = 0; seq < EVENTS_PER_FLOW; seq++) {
        await sendingDriver.send(flowId, seq, benchCallEventAt(seq));
        active.sent += 1;
      }
    }),
  );
}

async function runOpenLoop(sendingDriver: FlowDriver, active: ActiveRound, plan: OpenLoadPlan): Promise<void> {
  const flowCount = active.flowIds.length;
  const total = flowCount * EVENTS_PER_FLOW;
  const intervalMs = 1000 / plan.eventsPerSecond;
  const origin = active.startedAt;
  active.dueAt = (flowIndex, seq) => origin + (seq * flowCount + flowIndex) * intervalMs;
  // One chain per flow keeps "await the ack before the flow's next event" under an open-loop schedule.
  const tails: Promise<void>[] = active.flowIds.map(() => Promise.resolve());
  const issue = (eventNumber: number) => {
    const flowIndex = eventNumber % flowCount;
    const seq = Math.floor(eventNumber / flowCount);
    const flowId = active.flowIds[flowIndex]!;
    const due = active.dueAt(flowIndex, seq);
    tails[flowIndex] = tails[flowIndex]!.then(async () => {
      await sendingDriver.send(flowId, seq, benchCallEventAt(seq));
      active.sent += 1;
      active.ackLatencies.push(sharedClockMs() - due);
    });
  };
  let next = 0;
  while (next < total) {
    const dueCount = Math.min(total, Math.floor((sharedClockMs() - origin) / intervalMs) + 1);
    while (next < dueCount) issue(next++);
    if (next < total) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(tails);
}

async function go(): Promise<void> {
  const active = round;
  if (!driver || !active) throw new Error("go before prepare");
  active.progressTimer = setInterval(() => reportProgress(active), PROGRESS_INTERVAL_MS);
  active.cpuAtStart = process.cpuUsage();
  active.startedAt = sharedClockMs();
  if (active.load.shape === "closed") await runClosedLoop(driver, active);
  else await runOpenLoop(driver, active, active.load);
  active.sendingDone = true;
  reportProgress(active);
}

async function stop(): Promise<void> {
  const active = round;
  if (!driver || !active) throw new Error("stop before prepare");
  clearInterval(active.progressTimer);
  const cpu = process.cpuUsage(active.cpuAtStart);
  const report: RoundReport = {
    cpuMicros: cpu.user + cpu.system,
    startedAt: active.startedAt,
    lastCommittedAt: active.lastCommittedAt,
    sent: active.sent,
    committed: active.committed,
    ackLatencies: active.ackLatencies,
    committedLatencies: active.committedLatencies,
  };
  await driver.finishRound();
  round = undefined;
  post({ kind: "report", report });
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.kind) {
    case "init":
      return init(message);
    case "prepare":
      return prepare(message);
    case "go":
      return go();
    case "stop":
      return stop();
    case "exit":
      await driver?.close();
      process.disconnect?.();
      process.exit(0);
  }
}

process.on("message", (message: ParentMessage) => {
  handle(message).catch((error: unknown) => {
    post({ kind: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
process.on("disconnect", () => process.exit(0));
