// Connections of the `fsmc flows` commands: which Redis and key prefix (said when not given), bounded, no retries, and one clear line when Redis is away.
import { Redis } from "ioredis";

import { redisAddress } from "../../redis-address.js";

import { ConfigurationError, KeySpace, keyPrefixOption, takeKeyPrefix } from "@fsmc/runtime/operations";

/** The environment variable naming the flows' Redis when `--redis` is not given. */
export const REDIS_URL_ENV = "FSMC_REDIS_URL";
/** The Redis talked to when neither `--redis` nor FSMC_REDIS_URL names one. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The environment variable naming the runtimes' key prefix when `--key-prefix` is not given. */
export const KEY_PREFIX_ENV = "FSMC_KEY_PREFIX";

/** The `--key-prefix` option of every flows command: no yargs default, so a command can tell it was not given. */
export const keyPrefixCliOption = {
  type: "string",
  requiresArg: true,
  describe: `Key prefix of the runtimes, the keyPrefix of their ioredis options (default: $${KEY_PREFIX_ENV}, else a keyPrefix parameter of the Redis URL, else none)`,
} as const;

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
    return { url: fromEnv, note: `fsmc flows ${command}: using Redis at ${redisAddress(fromEnv)} (from ${REDIS_URL_ENV}; no --redis given)` };
  }
  return {
    url: DEFAULT_REDIS_URL,
    note: `fsmc flows ${command}: using Redis at ${redisAddress(DEFAULT_REDIS_URL)} (no --redis given; set --redis or ${REDIS_URL_ENV})`,
  };
}

/**
 * The key prefix a flows command uses: `--key-prefix`, else FSMC_KEY_PREFIX (`note` then says so),
 * else the `keyPrefix` parameter of the Redis URL (`fromUrl`, the way the runtimes may be given it),
 * else none. A URL parameter that disagrees with the prefix chosen is an error, as is a prefix with
 * a brace (it would change the keys' hash tags).
 */
export function chooseKeyPrefix(
  command: string,
  given: string | undefined,
  fromUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): { keyPrefix: string; note?: string } {
  const fromEnv = env[KEY_PREFIX_ENV];
  const chosen =
    given !== undefined
      ? { keyPrefix: keyPrefixOption(given, "--key-prefix") }
      : fromEnv !== undefined && fromEnv !== ""
        ? {
            keyPrefix: keyPrefixOption(fromEnv, KEY_PREFIX_ENV),
            note: `fsmc flows ${command}: using key prefix ${JSON.stringify(fromEnv)} (from ${KEY_PREFIX_ENV}; no --key-prefix given)`,
          }
        : { keyPrefix: fromUrl };
  if (fromUrl !== "" && fromUrl !== chosen.keyPrefix) {
    const source = given !== undefined ? "--key-prefix" : KEY_PREFIX_ENV;
    throw new ConfigurationError(
      `the Redis URL's keyPrefix parameter ${JSON.stringify(fromUrl)} and ${source} ${JSON.stringify(chosen.keyPrefix)} differ; give one`,
    );
  }
  return chosen;
}

/** What a flows command was told about where its flows live: `--redis`, `--key-prefix`, `--locks`. */
export interface OpsTarget {
  redis: string | undefined;
  keyPrefix: string | undefined;
  locks?: readonly string[];
}

export interface OpsServers {
  redis: Redis;
  /** Redlock lock servers, when `--locks` was given (each may be unreachable: callers report per server). */
  locks: { name: string; redis: Redis }[];
  /** Where the runtimes' keys are: their key prefix (chooseKeyPrefix). */
  keys: KeySpace;
}

function openRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
}

/**
 * Connects to the flows' Redis (`--redis` as given, or see chooseRedis; the choice is noted on
 * stderr, so stdout stays the command's output) and any lock servers, runs `work` in the key
 * space of chooseKeyPrefix, closes everything. A bad key prefix is one line and exit code 2; an
 * unreachable flows Redis, or a Redis error during `work`, is one line naming the address and exit code 1.
 */
export async function withOpsRedis(command: string, target: OpsTarget, work: (servers: OpsServers) => Promise<void>): Promise<void> {
  const { url: redisUrl, note } = chooseRedis(command, target.redis);
  if (note) process.stderr.write(`${note}\n`);
  const redis = openRedis(redisUrl);
  const locks = (target.locks ?? []).map((url) => ({ name: redisAddress(url), redis: openRedis(url) }));
  let keys: KeySpace;
  try {
    // The URLs' keyPrefix parameters are taken out of the clients: the commands prefix their keys themselves.
    const chosen = chooseKeyPrefix(command, target.keyPrefix, takeKeyPrefix(redis, "the keyPrefix parameter of the Redis URL"));
    for (const lock of locks) {
      const lockPrefix = takeKeyPrefix(lock.redis, `the keyPrefix parameter of the lock server URL ${lock.name}`);
      if (lockPrefix !== "" && lockPrefix !== chosen.keyPrefix) {
        throw new ConfigurationError(
          `the lock server URL ${lock.name} has keyPrefix ${JSON.stringify(lockPrefix)}, not the flows' ${JSON.stringify(chosen.keyPrefix)}`,
        );
      }
    }
    if (chosen.note) process.stderr.write(`${chosen.note}\n`);
    keys = new KeySpace(chosen.keyPrefix);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`fsmc flows ${command}: ${error.message}\n`);
    process.exitCode = 2;
    redis.disconnect();
    for (const lock of locks) lock.redis.disconnect();
    return;
  }
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
      process.stderr.write(`fsmc flows ${command}: cannot reach Redis at ${redisAddress(redisUrl)} (${detail})\n`);
      process.exitCode = 1;
      return;
    }
    await Promise.all(locks.map((lock) => lock.redis.connect().catch(() => undefined)));
    await work({ redis, locks, keys });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fsmc flows ${command}: Redis at ${redisAddress(redisUrl)} failed: ${detail}\n`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
    for (const lock of locks) lock.redis.disconnect();
  }
}
