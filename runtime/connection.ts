// Opens the runtime's ioredis connections (standalone or Cluster) and turns every Redis failure into a FlowRuntimeError naming the address.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

import {
  FlowRuntimeError,
  RedisAuthError,
  RedisCommandError,
  RedisOutOfMemoryError,
  RedisPermissionError,
  RedisUnavailableError,
  type RedisUnavailableReason,
} from "./errors.js";
import { keyPrefixOption } from "./keys.js";

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
  /** The user the connection authenticates as, from its options (`default` when they name none), for error messages. */
  user: string;
  /**
   * The last error the client reported about its connection (socket, TLS handshake, authentication)
   * since it was last ready: why a command that timed out meanwhile got no answer.
   */
  lastError: Error | undefined;
  /**
   * The `keyPrefix` its ioredis options gave ("" for none), taken out of them: ioredis prefixes
   * none of the runtime's commands, and the runtime puts it in front of every key it builds (keys.ts KeySpace).
   */
  keyPrefix: string;
}

interface ConnectOptions {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  offlineQueue?: boolean;
  /** Names the target in a ConfigurationError: `redis` (the default) or `locks[1]`. */
  option?: string;
}

// Keep trying in the background: a Redis that comes back is used again without a restart.
const reconnectDelay = (times: number) => Math.min(50 * 2 ** times, 1_000);

function clusterNode(node: string | { host: string; port: number }): { host: string; port: number } {
  if (typeof node !== "string") return node;
  const url = new URL(node);
  return { host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) };
}

/**
 * Takes `keyPrefix` out of the options of a client just made (from ioredis options, or a URL whose
 * `?keyPrefix=` lands there), before it builds any command: ioredis then prefixes nothing, and the
 * runtime prefixes its own keys. ConfigurationError naming `option` for a prefix that is not a string or holds a brace.
 */
export function takeKeyPrefix(redis: Redis, option: string): string {
  const keyPrefix = keyPrefixOption(redis.options.keyPrefix, option);
  redis.options.keyPrefix = "";
  return keyPrefix;
}

export function connect(target: RedisTarget, options: ConnectOptions): Connection {
  const { commandTimeoutMs, connectTimeoutMs, option = "redis" } = options;
  if (typeof target === "object" && "cluster" in target) {
    const nodes = target.cluster.map(clusterNode);
    const { keyPrefix: clusterPrefix, redisOptions: { keyPrefix: nodePrefix, ...redisOptions } = {}, ...clusterOptions } = target.options ?? {};
    // ioredis takes redisOptions.keyPrefix for the Cluster's when the Cluster has none: so does the runtime.
    const keyPrefix =
      keyPrefixOption(clusterPrefix, `FlowRuntime option ${option}.options.keyPrefix`) ||
      keyPrefixOption(nodePrefix, `FlowRuntime option ${option}.options.redisOptions.keyPrefix`);
    const cluster = new Cluster(nodes, {
      lazyConnect: true,
      enableOfflineQueue: options.offlineQueue ?? true,
      clusterRetryStrategy: reconnectDelay,
      ...clusterOptions,
      redisOptions: { connectTimeout: connectTimeoutMs, commandTimeout: commandTimeoutMs, ...redisOptions },
    });
    const address = nodes.map((n) => `${n.host}:${n.port}`).join(",");
    const connection: Connection = { redis: cluster, address, user: redisOptions.username || "default", lastError: undefined, keyPrefix };
    // A node's own failure (refused, TLS, WRONGPASS) says more than the Cluster's "Failed to refresh slots cache".
    cluster.on("node error", (error: unknown) => track(connection, error));
    cluster.on("+node", (node: Redis) => node.on("error", (error: unknown) => track(connection, error)));
    listen(connection);
    return connection;
  }
  const common: RedisOptions = {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    enableOfflineQueue: options.offlineQueue ?? true,
    retryStrategy: reconnectDelay,
  };
  const redis = typeof target === "string" ? new Redis(target, common) : new Redis({ ...common, ...target, lazyConnect: true });
  const keyPrefix = takeKeyPrefix(redis, `FlowRuntime option ${option}${typeof target === "string" ? " (its keyPrefix parameter)" : ".keyPrefix"}`);
  const host = redis.options.host ?? "127.0.0.1";
  const port = redis.options.port ?? 6379;
  const connection: Connection = { redis, address: `${host}:${port}`, user: redis.options.username || "default", lastError: undefined, keyPrefix };
  listen(connection);
  return connection;
}

/** Connection errors surface through commands (asRedisError); the event must still be listened to, and its last error is kept. */
function listen(connection: Connection): void {
  connection.redis.on("error", (error: unknown) => track(connection, error));
  connection.redis.on("ready", () => (connection.lastError = undefined));
}

function track(connection: Connection, reported: unknown): void {
  // A Cluster that reached no node reports the last node's error inside its own.
  const error = (reported as { lastNodeError?: unknown } | undefined)?.lastNodeError ?? reported;
  if (!(error instanceof Error)) return;
  // The commands a dropped connection fails say less than the socket error that dropped it.
  if (connection.lastError && /^Connection is closed\.?$/.test(error.message)) return;
  connection.lastError = error;
}

/**
 * Resolves once Redis answers PING. Fails at once when Redis refuses the credentials or the TLS
 * handshake (neither mends itself); otherwise after `timeoutMs` with the last cause seen (a refused
 * connection, say), or with "no answer" when there was none.
 */
export async function waitUntilReachable(connection: Connection, timeoutMs: number): Promise<void> {
  const { redis } = connection;
  let fail!: (error: FlowRuntimeError) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const timer = setTimeout(() => {
    const last = connection.lastError;
    if (!last) fail(new RedisUnavailableError(connection.address, `no answer within ${timeoutMs} ms`, { reason: "timeout" }));
    else fail(withDetail(asRedisError(connection, last), `; no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const onError = (error: unknown) => {
    const mapped = asRedisError(connection, error);
    if (mapped instanceof RedisAuthError || (mapped instanceof RedisUnavailableError && mapped.reason === "tls")) fail(mapped);
  };
  redis.on("error", onError);
  redis.on("node error", onError);
  try {
    await Promise.race([redis.ping(), failed]);
  } catch (error) {
    throw asRedisError(connection, error);
  } finally {
    clearTimeout(timer);
    redis.off("error", onError);
    redis.off("node error", onError);
  }
}

/** The same error with `suffix` added to an unavailability's message (the other kinds are complete as they are). */
function withDetail(error: FlowRuntimeError, suffix: string): FlowRuntimeError {
  if (!(error instanceof RedisUnavailableError)) return error;
  return new RedisUnavailableError(error.address, `${detailOf(error)}${suffix}`, { cause: error.cause, reason: error.reason });
}

function detailOf(error: RedisUnavailableError): string {
  return error.message.slice(`Redis at ${error.address} is unavailable: `.length);
}

/** What ioredis attaches to an error reply: the command it answered. */
interface FailedCommand {
  name?: unknown;
  args?: unknown;
}

/**
 * Classifies any failure of a Redis call as the FlowRuntimeError a caller can act on, keeping the
 * original as `cause`; a FlowRuntimeError is returned unchanged. Pass the Connection (not only its
 * address) where it is at hand: its user names who was refused, and its last connection error says
 * why a command timed out.
 */
export function asRedisError(target: Connection | string, error: unknown): FlowRuntimeError {
  if (error instanceof FlowRuntimeError) return error;
  const connection = typeof target === "string" ? undefined : target;
  const address = typeof target === "string" ? target : target.address;
  if (!(error instanceof Error)) return new RedisUnavailableError(address, String(error), { cause: error, reason: "unknown" });
  if (error.name === "ReplyError") return fromReply(address, connection?.user, error);
  // A Cluster that reached no node: the last node's error says why.
  const lastNodeError = (error as { lastNodeError?: unknown }).lastNodeError;
  if (lastNodeError instanceof Error) return asRedisError(target, lastNodeError);
  const failure = describeFailure(error);
  // A command that timed out or was cut off while the connection was down: the connection's own error says why.
  const last = connection?.lastError;
  if (last && last !== error && (failure.reason === "timeout" || failure.reason === "closed")) {
    if (last.name === "ReplyError") {
      const refused = fromReply(address, connection.user, last);
      if (refused instanceof RedisAuthError || refused instanceof RedisUnavailableError) return refused;
    } else {
      const why = describeFailure(last);
      if (why.detail !== failure.detail) return new RedisUnavailableError(address, `${why.detail}; ${failure.detail}`, { cause: error, reason: why.reason });
    }
  }
  return new RedisUnavailableError(address, failure.detail, { cause: error, reason: failure.reason });
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_|^EPROTO$/;

/** A connection-level failure (not an error reply): why, in one line. */
function describeFailure(error: Error): { reason: RedisUnavailableReason; detail: string } {
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === "string" ? raw : "";
  const message = oneLine(error.message);
  if (code === "ECONNREFUSED") return { reason: "refused", detail: `connection refused (${message})` };
  if (TLS_CODE.test(code) || /certificate|\bSSL\b|\bTLS\b/i.test(message)) {
    return { reason: "tls", detail: `TLS handshake failed: ${message}${code && !message.includes(code) ? ` (${code})` : ""}` };
  }
  if (message === "Command timed out") return { reason: "timeout", detail: "no reply within the command timeout (commandTimeoutMs)" };
  if (code === "ETIMEDOUT") return { reason: "timeout", detail: `connecting timed out (${message})` };
  if (
    ["ECONNRESET", "EPIPE", "ECONNABORTED"].includes(code) ||
    error.name === "AbortError" ||
    error.name === "MaxRetriesPerRequestError" ||
    /connection is closed|stream isn't writeable/i.test(message)
  ) {
    return { reason: "closed", detail: `connection closed (${message})` };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { reason: "unknown", detail: `host not found (${message})` };
  return { reason: "unknown", detail: message };
}

/** An error reply from Redis: authentication, ACL, memory, a Redis that is not serving, or anything else the command was refused for. */
function fromReply(address: string, user: string | undefined, error: Error): FlowRuntimeError {
  const message = oneLine(error.message);
  const command = (error as { command?: FailedCommand }).command;
  const name = typeof command?.name === "string" ? command.name.toLowerCase() : undefined;
  if (name === "hello" || name === "auth") redactCredentials(command!);
  const cause = { cause: error };
  if (message.startsWith("NOAUTH")) return new RedisAuthError(address, user, "missing", cause);
  if (message.startsWith("WRONGPASS") || /invalid (username-password pair|password)/i.test(message)) return new RedisAuthError(address, user, "wrong", cause);
  if (message.startsWith("NOPERM") || /user executing the script can't/i.test(message)) return permissionError(address, user, message, name, command, error);
  if (message.startsWith("OOM") || message.includes("OOM command not allowed")) return new RedisOutOfMemoryError(address, name, cause);
  // Redis is there but not serving now: loading its data, blocked by a long script, or a Cluster without quorum.
  if (/^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/.test(message)) return new RedisUnavailableError(address, message, { ...cause, reason: "unknown" });
  return new RedisCommandError(address, name, message, cause);
}

/** NOPERM names the refused command (or key) itself; a refusal of the keys only says "one of the keys": the call's keys name them. */
function permissionError(
  address: string,
  user: string | undefined,
  message: string,
  name: string | undefined,
  command: FailedCommand | undefined,
  error: Error,
): RedisPermissionError {
  const cause = { cause: error };
  const refusedCommand = /run the '([^']+)' command/.exec(message)?.[1];
  if (refusedCommand) return new RedisPermissionError(address, user, [refusedCommand], [], `command ${refusedCommand} (${message})`, cause);
  const refusedKey = /access the '([^']*)' key/.exec(message)?.[1];
  const keys = refusedKey !== undefined ? [refusedKey] : keysOf(name, command);
  const on = keys.length > 0 ? ` on ${listed(keys)}` : "";
  if (/user executing the script can't run/i.test(message)) {
    // Redis does not say which command the script ran: start()'s permission check names it.
    return new RedisPermissionError(address, user, [], [], `a command run by the script (${name ?? "eval"}${on}) (${message})`, cause);
  }
  const what = keys.length > 0 ? `key${keys.length > 1 ? "s" : ""} ${listed(keys)}` : "a key";
  return new RedisPermissionError(address, user, [], keys, `${what}${name ? ` for ${name}` : ""} (${message})`, cause);
}

const SCRIPT_COMMANDS = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]);
const MULTI_KEY_COMMANDS = new Set(["del", "exists", "unlink", "touch", "mget"]);
const KEYLESS_COMMANDS = new Set([
  "ping",
  "time",
  "scan",
  "wait",
  "info",
  "hello",
  "auth",
  "client",
  "cluster",
  "select",
  "script",
  "acl",
  "config",
  "command",
]);

/** The keys of a failed call, as far as its name tells where they are. */
function keysOf(name: string | undefined, command: FailedCommand | undefined): string[] {
  const args = Array.isArray(command?.args) ? (command.args as unknown[]).map(String) : [];
  if (!name || args.length === 0 || KEYLESS_COMMANDS.has(name)) return [];
  if (SCRIPT_COMMANDS.has(name)) return args.slice(2, 2 + (Number(args[1]) || 0));
  if (MULTI_KEY_COMMANDS.has(name)) return args;
  return args.slice(0, 1);
}

/** At most a few keys: a shared script call carries four or more per flow. */
function listed(keys: readonly string[]): string {
  const shown = [...new Set(keys)];
  return shown.length <= 4 ? shown.join(", ") : `${shown.slice(0, 4).join(", ")} and ${shown.length - 4} more`;
}

/** HELLO and AUTH carry the password in their arguments: nothing that keeps the error may show it. */
function redactCredentials(command: FailedCommand): void {
  if (!Array.isArray(command.args)) return;
  const args = command.args as unknown[];
  const auth = args.findIndex((arg) => String(arg).toUpperCase() === "AUTH");
  const from = command.name === "auth" ? 0 : auth === -1 ? args.length : auth + 1;
  // AUTH <password> or AUTH <user> <password>; HELLO <protover> AUTH <user> <password>.
  const last = args.length - 1;
  if (last >= from) args[last] = "<redacted>";
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
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
