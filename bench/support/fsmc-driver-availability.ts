// Whether the fsmc runtime loads and exposes FlowRuntime, so benchmarks can run the fsmc variant.

/** Undefined when available, else why not. */
export async function fsmcRuntimeUnavailableReason(): Promise<string | undefined> {
  try {
    const runtime = (await import("../../runtime/index.js")) as Record<string, unknown>;
    return "FlowRuntime" in runtime ? undefined : "runtime/index.ts exports no FlowRuntime";
  } catch (error) {
    return `runtime/index.ts does not load: ${error instanceof Error ? error.message : String(error)}`;
  }
}
