// Starts TimerService child processes for tests and waits for what they print.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./service-process.ts", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything printed so far, line by line. */
  lines: string[];
  /** Resolves with the first line matching `pattern` (already printed or yet to come). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the stats it printed on the way out. */
  stop(): Promise<Record<string, number>>;
  kill(): Promise<void>;
}

export async function startServiceProcess(
  url: string,
  mode: "record" | "hold",
  leaseMs: number,
  options: { pollMs?: number; shards?: number } = {},
): Promise<ServiceProcess> {
  const args = [script, url, mode, String(leaseMs), String(options.pollMs ?? 20), ...(options.shards === undefined ? [] : [String(options.shards)])];
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = once(child, "exit");
  const waitFor = async (pattern: RegExp, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const line = lines.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`service process never printed ${pattern}; printed: ${lines.slice(-5).join(" | ")}`);
  };
  await waitFor(/^ready$/);
  return {
    child,
    lines,
    waitFor,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      const line = lines.find((l) => l.startsWith("stats "));
      return line ? (JSON.parse(line.slice(6)) as Record<string, number>) : {};
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
