// Connections of the `fsmc flows` commands: which Redis (said when not given), bounded, no retries, and one clear line when Redis is away.
import { Redis } from "ioredis";

/** The environment variable naming the flows' Redis when `--redis` is not given. */
export const REDIS_URL_ENV = "FSMC_REDIS_URL";
/** The Redis talked to when neither `--redis` nor FSMC_REDIS_URL names one. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The `--redis` option of every flows command: no yargs default, so a command can tell it was not given. */
export const redisOption = {
  type: "string",
  requiresArg: true,
  describe: `Redis URL of the flows (default: $${REDIS_URL_ENV}, else ${DEFAULT_REDIS_URL})`,
} as const;

/**
 * The Redis URL a flows command uses: `--redis`, else FSMC_REDIS_URL, else the local default. When
 * `--redis` was not given, `note` says which one it is and where it came from: an operator must
 * never act on one Redis believing it is another.
 */
export function chooseRedis(command: string, given: string | undefined, env: NodeJS.ProcessEnv = process.env): { url: string; note?: string } {
  if (given !== undefined && given !== "") return { url: given };
  const fromEnv = env[REDIS_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    return { url: fromEnv, note: `fsmc flows ${command}: using Redis at ${address(fromEnv)} (from ${REDIS_URL_ENV}; no --redis given)` };
  }
  return { url: DEFAULT_REDIS_URL, note: `fsmc flows ${command}: using Redis at ${address(DEFAULT_REDIS_URL)} (no --redis given; set --redis or ${REDIS_URL_ENV})` };
}

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
 * Connects to the flows' Redis (`--redis` as given, or see chooseRedis; the choice is noted on
 * stderr, so stdout stays the command's output) and any lock servers, runs `work`, closes
 * everything. An unreachable flows Redis, or a Redis error during `work`, is one line naming the
 * address and exit code 1.
 */
export async function withOpsRedis(command: string, givenRedis: string | undefined, lockUrls: readonly string[], work: (servers: OpsServers) => Promise<void>): Promise<void> {
  const { url: redisUrl, note } = chooseRedis(command, givenRedis);
  if (note) process.stderr.write(`${note}\n`);
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
