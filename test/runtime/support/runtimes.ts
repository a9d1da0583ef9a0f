// Creates FlowRuntimes for in-process tests and closes them all in one call from an `after` hook.
import { FlowRuntime, type FlowRuntimeOptions } from "../../../runtime/index.js";
import { Call, callHandlers, type CallProbe } from "../fixtures/call.js";

export class RuntimePool {
  private readonly runtimes: FlowRuntime[] = [];

  /** A started runtime with the Call machine registered; returns both. */
  async call(options: FlowRuntimeOptions, probe: CallProbe = {}, start = true) {
    const runtime = new FlowRuntime(options);
    this.runtimes.push(runtime);
    const client = runtime.register(Call, callHandlers(probe));
    if (start) await runtime.start();
    return { runtime, client };
  }

  add(runtime: FlowRuntime): FlowRuntime {
    this.runtimes.push(runtime);
    return runtime;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.runtimes.splice(0).map((r) => r.close()));
  }
}
