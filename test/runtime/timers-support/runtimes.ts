// Forks FlowRuntime child processes for tests, asks them to start flows, and stops or kills them.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./runtime-process.ts", import.meta.url));

export interface RuntimeProcess {
  child: ChildProcess;
  /** Starts flows `<prefix>-<from>` … `<prefix>-<to - 1>` in the child; resolves when all are acknowledged. */
  startFlows(prefix: string, from: number, to: number): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** `timerShards`: the runtime's option (default: the runtime's default); `timerMs`: the Burst machine's timer (default BURST_TIMER_MS). */
export async function forkRuntime(url: string, options: { timerShards?: number; timerMs?: number } = {}): Promise<RuntimeProcess> {
  const args = [
    url,
    options.timerShards === undefined ? "default" : String(options.timerShards),
    ...(options.timerMs === undefined ? [] : [String(options.timerMs)]),
  ];
  const child = fork(script, args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = once(child, "exit");
  const [ready] = (await once(child, "message")) as [unknown];
  if (ready !== "ready") throw new Error(`runtime process said ${JSON.stringify(ready)}`);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    async startFlows(prefix, from, to) {
      const started = new Promise<void>((resolve, reject) => {
        const onMessage = (message: { kind?: string }) => {
          if (message?.kind !== "started") return;
          child.off("message", onMessage);
          resolve();
        };
        child.on("message", onMessage);
        child.once("exit", () => reject(new Error("runtime process exited while starting flows")));
      });
      child.send({ kind: "start", prefix, from, to });
      await started;
    },
    async stop() {
      if (!alive()) return;
      child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (!alive()) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
