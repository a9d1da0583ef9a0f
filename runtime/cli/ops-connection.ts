// Connections of the `fsmc flows` commands: bounded, no retries, and one clear line when Redis is away.
import { Redis } from "ioredis";

export interface OpsServers {
  redis: Redis;
  /** Redlock lock servers, when `--locks` was given (each may be unreachable: callers report per server). */
  locks: { name: string; redis: Redis }[];
}

/** `host:port` of a Redis URL, for messages. */
export function address(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "127.0.0.1"}:${parsed.port || "6379"}`;
  } catch {
    return url;
  }
}

function openRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
}

/**
 * Connects to the flows' Redis (and any lock servers), runs `work`, closes everything. An unreachable
 * flows Redis, or a Redis error during `work`, is one line naming the address and exit code 1.
 */
export async function withOpsRedis(command: string, redisUrl: string, lockUrls: readonly string[], work: (servers: OpsServers) => Promise<void>): Promise<void> {
  const redis = openRedis(redisUrl);
  const locks = lockUrls.map((url) => ({ name: address(url), redis: openRedis(url) }));
  // A lock server that is down counts as not holding the lock: the quorum of the others decides.
  for (const lock of locks) lock.redis.on("error", () => {});
  // The socket error (ECONNREFUSED, ETIMEDOUT…) says more than connect()'s "Connection is closed".
  let socketError: Error | undefined;
  redis.on("error", (error: Error) => (socketError ??= error));
  try {
    try {
      await redis.connect();
    } catch (error) {
      const detail = socketError?.message ?? (error instanceof Error ? error.message : String(error));
      process.stderr.write(`fsmc flows ${command}: cannot reach Redis at ${address(redisUrl)} (${detail})\n`);
      process.exitCode = 1;
      return;
    }
    await Promise.all(locks.map((lock) => lock.redis.connect().catch(() => undefined)));
    await work({ redis, locks });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fsmc flows ${command}: Redis at ${address(redisUrl)} failed: ${detail}\n`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
    for (const lock of locks) lock.redis.disconnect();
  }
}
