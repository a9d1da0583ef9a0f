// A runtime process for multi-process tests: runs a FlowRuntime with the Call machine (and any Order versions asked for) and obeys IPC requests.
import { setTimeout as sleep } from "node:timers/promises";

import { FlowRuntime, type FlowRuntimeOptions, type MachineDefinition } from "../../../runtime/index.js";
import { Call, callHandlers } from "../fixtures/call.js";
import { OrderV1, OrderV2, OrderV3, orderHandlers } from "../fixtures/order.js";
import type { WorkerConfig, WorkerMessage, WorkerRequest } from "./worker-protocol.js";

const config = JSON.parse(process.env.FSMC_WORKER ?? "{}") as WorkerConfig;
const post = (message: WorkerMessage) => process.send?.(message);

const options: FlowRuntimeOptions = {
  ...config.options,
  onUnhandled: (info) => post({ kind: "unhandled", machine: info.machine, flowId: info.flowId, state: info.state, eventType: info.event.type }),
  onError: (error, context) =>
    post({
      kind: "error",
      name: error instanceof Error ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
      phase: context.phase,
    }),
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

const orderVersions = { 1: OrderV1, 2: OrderV2, 3: OrderV3 } as Record<number, MachineDefinition>;
type OrderClient = { start(flowId: string, ctx: object): Promise<void>; send(flowId: string, event: object): Promise<void> };
let order: OrderClient | undefined;
for (const version of [...(config.orderVersions ?? [])].sort())
  order = runtime.register(orderVersions[version]! as never, orderHandlers as never) as unknown as OrderClient;

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      return call.start(request.flowId, { caller: request.flowId }, { eventId: request.eventId });
    case "send":
      return call.send(request.flowId, request.event, { eventId: request.eventId });
    case "orderStart":
      return order!.start(request.flowId, {});
    case "orderSend":
      return order!.send(request.flowId, request.event);
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
