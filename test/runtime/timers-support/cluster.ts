// Starts a throwaway 3-master Redis Cluster (no replicas) on free ports for the Cluster tests, from test/support/redis.ts servers.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Cluster } from "ioredis";
import { startRedis, type RedisServer } from "../../support/redis.js";

const run = promisify(execFile);

export interface TestCluster {
  servers: RedisServer[];
  client(): Cluster;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const servers = await Promise.all(
    [0, 1, 2].map(() => startRedis(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"])),
  );
  const stop = async () => void (await Promise.all(servers.map((s) => s.stop({ cleanup: true }))));
  try {
    await run("redis-cli", ["--cluster", "create", ...servers.map((s) => `127.0.0.1:${s.port}`), "--cluster-yes"]);
    // Wait until every node agrees the cluster is up.
    const limit = Date.now() + 15_000;
    for (const server of servers) {
      for (;;) {
        const { stdout } = await run("redis-cli", ["-p", String(server.port), "cluster", "info"]);
        if (stdout.includes("cluster_state:ok")) break;
        if (Date.now() > limit) throw new Error("cluster did not come up");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    servers,
    client: () => new Cluster(servers.map((s) => ({ host: "127.0.0.1", port: s.port }))),
    stop,
  };
}
