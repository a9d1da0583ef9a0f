// Opens the runtime's ioredis connections (standalone or Cluster) and turns "cannot reach Redis" into RedisUnavailableError naming the address.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

import { RedisUnavailableError } from "./errors.js";

/** A standalone client or a Cluster client: every flow script touches one hash-tagged slot, so both work. */
export type FlowRedis = Redis | Cluster;

/** Flows on a Redis Cluster: seed nodes (URLs or host/port) and optional ioredis Cluster options. */
export interface ClusterTarget {
  cluster: readonly (string | { host: string; port: number })[];
  options?: ClusterOptions;
}

export type RedisTarget = string | RedisOptions | ClusterTarget;

export interface Connection {
  redis: FlowRedis;
  /** host:port (the seed nodes of a Cluster), for error messages. */
  address: string;
}

interface ConnectOptions {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  offlineQueue?: boolean;
}

// Keep trying in the background: a Redis that comes back is used again without a restart.
const reconnectDelay = (times: number) => Math.min(50 * 2 ** times, 1_000);

function clusterNode(node: string | { host: string; port: number }): { host: string; port: number } {
  if (typeof node !== "string") return node;
  const url = new URL(node);
  return { host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) };
}

export function connect(target: RedisTarget, options: ConnectOptions): Connection {
  const { commandTimeoutMs, connectTimeoutMs } = options;
  if (typeof target === "object" && "cluster" in target) {
    const nodes = target.cluster.map(clusterNode);
    const cluster = new Cluster(nodes, {
      lazyConnect: true,
      enableOfflineQueue: options.offlineQueue ?? true,
      clusterRetryStrategy: reconnectDelay,
      ...target.options,
      redisOptions: { connectTimeout: connectTimeoutMs, commandTimeout: commandTimeoutMs, ...target.options?.redisOptions },
    });
    cluster.on("error", () => {});
    return { redis: cluster, address: nodes.map((n) => `${n.host}:${n.port}`).join(",") };
  }
  const common: RedisOptions = {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    enableOfflineQueue: options.offlineQueue ?? true,
    retryStrategy: reconnectDelay,
  };
  const redis = typeof target === "string" ? new Redis(target, common) : new Redis({ ...common, ...target, lazyConnect: true });
  // Connection errors surface through commands (and RedisUnavailableError); the event must still be listened to.
  redis.on("error", () => {});
  const host = redis.options.host ?? "127.0.0.1";
  const port = redis.options.port ?? 6379;
  return { redis, address: `${host}:${port}` };
}

/** Resolves once Redis answers PING, or throws RedisUnavailableError after `timeoutMs`. */
export async function waitUntilReachable(connection: Connection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(connection.address, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([connection.redis.ping(), timeout]);
  } catch (error) {
    throw asRedisError(connection.address, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Redis's own error replies pass through; anything about the connection becomes RedisUnavailableError. */
export function asRedisError(address: string, error: unknown): unknown {
  if (error instanceof RedisUnavailableError) return error;
  if (error instanceof Error && error.name !== "ReplyError") {
    return new RedisUnavailableError(address, error.message, { cause: error });
  }
  return error;
}

/** QUIT when connected (flushes replies), else just drop the sockets so nothing is left open. */
export async function closeConnection(redis: FlowRedis): Promise<void> {
  if (redis.status === "ready") {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through
    }
  }
  redis.disconnect();
}
