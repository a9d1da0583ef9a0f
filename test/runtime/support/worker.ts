// A runtime process for multi-process tests: runs a FlowRuntime with the Call machine and obeys IPC requests.
import { setTimeout as sleep } from "node:timers/promises";

import { FlowRuntime, type FlowRuntimeOptions } from "../../../runtime/index.js";
import { Call, callHandlers } from "../fixtures/call.js";
import type { WorkerConfig, WorkerMessage, WorkerRequest } from "./worker-protocol.js";

const config = JSON.parse(process.env.FSMC_WORKER ?? "{}") as WorkerConfig;
const post = (message: WorkerMessage) => process.send?.(message);

const options: FlowRuntimeOptions = {
  ...config.options,
  onError: (error, context) =>
    post({ kind: "error", name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error), phase: context.phase }),
};
const runtime = new FlowRuntime(options);
const call = runtime.register(
  Call,
  callHandlers({
    onAction: async (name, event, io) => {
      if (config.reportActions) post({ kind: "action", name, eventType: event.type, flowId: io.flowId, seq: io.seq, pid: process.pid });
      if (name === "note" && config.noteDelayMs) await sleep(config.noteDelayMs);
    },
  }),
);

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      return call.start(request.flowId, { caller: request.flowId }, { eventId: request.eventId });
    case "send":
      return call.send(request.flowId, request.event, { eventId: request.eventId });
    case "metrics":
      return runtime.metrics();
    case "close":
      await runtime.close();
      setImmediate(() => process.disconnect?.());
      return undefined;
  }
}

process.on("message", (request: WorkerRequest) => {
  handle(request).then(
    (value) => post({ kind: "reply", id: request.id, ok: true, value }),
    (error: unknown) =>
      post({ kind: "reply", id: request.id, ok: false, error: { name: error instanceof Error ? error.name : "Error", message: String(error) } }),
  );
});

await runtime.start();
post({ kind: "ready", pid: process.pid });
