// Starts throwaway redis-server processes on free ports for tests and benchmarks, and stops them.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  process: ChildProcess;
  /** Stops the server (SIGKILL when `hard`), waits for it to exit. Keeps `dir` unless `cleanup`. */
  stop(options?: { hard?: boolean; cleanup?: boolean }): Promise<void>;
  /** Starts it again on the same port and directory (for restart tests). */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const { Redis } = await import("ioredis");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") {
        client.disconnect();
        return;
      }
    } catch {
      // not up yet
    }
    client.disconnect();
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

/**
 * Starts `redis-server` on a free port with nothing persisted unless `args` says otherwise
 * (e.g. `["--appendonly", "yes", "--appendfsync", "always"]`).
 */
export async function startRedis(args: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fsmc-redis-"));
  const argv = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--daemonize", "no", "--loglevel", "warning", ...args];
  const launch = async () => {
    const child = spawn("redis-server", argv, { stdio: "ignore" });
    await waitForPing(port, child);
    return child;
  };
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: await launch(),
    async stop(options = {}) {
      const child = server.process;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill(options.hard ? "SIGKILL" : "SIGTERM");
        await exited;
      }
      if (options.cleanup) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      server.process = await launch();
    },
  };
  return server;
}
