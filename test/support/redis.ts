// Starts throwaway redis-server processes on free ports for tests and benchmarks, and stops them.
import { execFile, spawn, type ChildProcess } from "node:child_process";
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

/** Starts a redis-server replicating `primary` and waits until its link to the primary is up and synced. */
export async function startReplica(primary: RedisServer, args: string[] = []): Promise<RedisServer> {
  const replica = await startRedis(["--replicaof", "127.0.0.1", String(primary.port), ...args]);
  const { Redis } = await import("ioredis");
  const client = new Redis({ port: replica.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = await client.info("replication");
      if (/master_link_status:up/.test(info) && !/master_sync_in_progress:1/.test(info)) return replica;
      if (Date.now() > deadline) {
        await replica.stop({ cleanup: true });
        throw new Error(`replica on port ${replica.port} did not sync with the primary on port ${primary.port} within 10 s`);
      }
      await sleep(25);
    }
  } finally {
    client.disconnect();
  }
}

export interface RedisCluster {
  nodes: RedisServer[];
  /** Seed nodes for an ioredis Cluster client. */
  seeds: { host: string; port: number }[];
  stop(options?: { cleanup?: boolean }): Promise<void>;
}

/** Starts `n` (≥ 3) master redis-servers, joins them into a Redis Cluster with all slots assigned, and waits until it is ok. */
export async function startCluster(n = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(
    Array.from({ length: n }, () => startRedis(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"])),
  );
  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
    async stop(options = {}) {
      await Promise.all(nodes.map((node) => node.stop(options)));
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
      execFile("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], { timeout: 20_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`redis-cli --cluster create failed: ${stderr || error.message}`)) : resolve(),
      );
    });
    const { Redis } = await import("ioredis");
    const deadline = Date.now() + 15_000;
    for (const node of nodes) {
      const client = new Redis({ port: node.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
      client.on("error", () => {});
      try {
        while (!/cluster_state:ok/.test(String(await client.call("CLUSTER", "INFO")))) {
          if (Date.now() > deadline) throw new Error(`the cluster on ports ${nodes.map((x) => x.port).join(", ")} was not ok within 15 s`);
          await sleep(50);
        }
      } finally {
        client.disconnect();
      }
    }
  } catch (error) {
    await cluster.stop({ cleanup: true });
    throw error;
  }
  return cluster;
}
