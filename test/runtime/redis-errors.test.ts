// Every Redis failure reaches the user as a FlowRuntimeError with a code: credentials, ACL permissions (checked at start), memory, reachability, TLS, other error replies.
import { readdirSync, readFileSync } from "node:fs";

import { Redis, ReplyError } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { asRedisError, closeConnection, connect, waitUntilReachable, type Connection } from "../../runtime/connection.js";
import {
  FlowRuntimeError,
  RedisAuthError,
  RedisCommandError,
  RedisOutOfMemoryError,
  RedisPermissionError,
  RedisUnavailableError,
  RuntimeClosedError,
} from "../../runtime/errors.js";
import { FlowRuntime, type ErrorContext, type FlowRuntimeOptions } from "../../runtime/index.js";
import { KeySpace } from "../../runtime/keys.js";
import { checkPermissions, requiredCommands } from "../../runtime/permissions.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { startSecuredRedis, startTlsRedis, type SecuredRedis, type TlsRedis } from "./support/secured-redis.js";
import { waitFor } from "./support/wait-for.js";

let secured: SecuredRedis;
let plain: RedisServer;
let plainAdmin: Redis;
let tls: TlsRedis;
const runtimes: FlowRuntime[] = [];

test.before(async () => {
  [secured, plain, tls] = await Promise.all([startSecuredRedis(), startRedis(["--maxmemory-policy", "noeviction"]), startTlsRedis()]);
  plainAdmin = new Redis(plain.url);
});

test.after(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  plainAdmin.disconnect();
  await Promise.all([secured.stop(), plain.stop({ cleanup: true }), tls.stop()]);
});

/** A runtime with the Call machine registered, closed by the `after` hook. */
function runtimeFor(options: FlowRuntimeOptions) {
  const runtime = new FlowRuntime(options);
  runtimes.push(runtime);
  return { runtime, call: runtime.register(Call, callHandlers()) };
}

const as = (user: string, password = "pw", extra: Partial<FlowRuntimeOptions> = {}): FlowRuntimeOptions => ({
  redis: { host: "127.0.0.1", port: secured.server.port, username: user, password },
  connectTimeoutMs: 10_000,
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, the call succeeded");
}

/** start() fails, and how long it took. */
async function failedStart(runtime: FlowRuntime): Promise<{ error: Error; ms: number }> {
  const began = Date.now();
  const error = await refusal(runtime.start());
  return { error, ms: Date.now() - began };
}

/** The ACL line the README gives users to copy, as rules after the user's name and password. */
function readmeAclRules(): string[] {
  const readme = readFileSync(new URL("../../runtime/README.md", import.meta.url), "utf8");
  const line = /^ACL SETUSER fsmc on >\S+ (.*)$/m.exec(readme);
  if (!line) throw new Error("runtime/README.md has no `ACL SETUSER fsmc on >… …` line");
  return line[1]!.split(" ");
}

// --- credentials ---

test("start() without a password against a Redis that requires one fails at once with RedisAuthError naming the address and the user 'default'", async () => {
  const { runtime } = runtimeFor({ redis: secured.server.url, connectTimeoutMs: 10_000 });
  const { error, ms } = await failedStart(runtime);
  assert.instance(error, RedisAuthError);
  const auth = error as RedisAuthError;
  assert.is(auth.code, "REDIS_AUTH");
  assert.is(auth.problem, "missing");
  assert.is(auth.user, "default");
  assert.match(auth.message, `127.0.0.1:${secured.server.port}`);
  assert.match(auth.message, "user 'default'");
  assert.match(auth.message, "requires a password");
  assert.ok(auth.cause instanceof Error, "the ioredis error is kept as the cause");
  assert.ok(ms < 5_000, `took ${ms} ms: an auth failure must not wait for the connect timeout`);
});

test("start() with a wrong password fails at once with RedisAuthError naming the user, and the password shows nowhere", async () => {
  await secured.user("fsmc-auth", "~fsm:*", "+@all");
  const { runtime } = runtimeFor(as("fsmc-auth", "not-the-password"));
  const { error, ms } = await failedStart(runtime);
  assert.instance(error, RedisAuthError);
  const auth = error as RedisAuthError;
  assert.is(auth.code, "REDIS_AUTH");
  assert.is(auth.problem, "wrong");
  assert.match(auth.message, `Redis at 127.0.0.1:${secured.server.port} refused the password of user 'fsmc-auth'`);
  assert.not.match(JSON.stringify({ message: auth.message, command: (auth.cause as { command?: unknown }).command }), "not-the-password");
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

// --- permissions, checked by start() ---

test("a user whose ACL lacks EVALSHA: start() fails with RedisPermissionError naming evalsha", async () => {
  await secured.user("fsmc-noevalsha", "~fsm:*", "+@all", "-evalsha");
  const { runtime } = runtimeFor(as("fsmc-noevalsha"));
  const { error } = await failedStart(runtime);
  assert.instance(error, RedisPermissionError);
  const denied = error as RedisPermissionError;
  assert.is(denied.code, "REDIS_NO_PERMISSION");
  assert.equal(denied.commands, ["evalsha"]);
  assert.equal(denied.keys, []);
  assert.match(denied.message, `Redis at 127.0.0.1:${secured.server.port} refuses user 'fsmc-noevalsha' by its ACL: the runtime needs the command evalsha`);
});

test("a user allowed the scripts but not a command they run (HSET): start() names hset", async () => {
  await secured.user("fsmc-nohset", "~fsm:*", "+@all", "-hset");
  const { runtime } = runtimeFor(as("fsmc-nohset"));
  const error = (await failedStart(runtime)).error as RedisPermissionError;
  assert.instance(error, RedisPermissionError);
  assert.equal(error.commands, ["hset"]);
});

test("a user without access to the fsm:* keys: start() names every key pattern the runtime uses", async () => {
  await secured.user("fsmc-otherkeys", "~other:*", "+@all");
  const { runtime } = runtimeFor(as("fsmc-otherkeys"));
  const error = (await failedStart(runtime)).error as RedisPermissionError;
  assert.instance(error, RedisPermissionError);
  assert.equal(error.commands, []);
  assert.equal([...error.keys].sort(), [
    "fsm:def:{Call}",
    "fsm:pending:{*}",
    "fsm:runners:{Call}",
    "fsm:timers:{Call:*}",
    "fsm:{Call:*}:dlq",
    "fsm:{Call:*}:lock",
    "fsm:{Call:*}:q",
    "fsm:{Call:*}:s",
    "fsm:{Call:*}:seen",
  ]);
  assert.match(error.message, "the keys fsm:pending:{*}, fsm:{Call:*}:s");
});

test("a user lacking commands and one key pattern: start() names both, the key with what was refused on it", async () => {
  await secured.user("fsmc-mixed", "~fsm:{*", "%R~fsm:timers:*", "~fsm:pending:*", "~fsm:def:*", "~fsm:runners:*", "+@all", "-scan", "-zrem");
  const { runtime } = runtimeFor(as("fsmc-mixed"));
  const error = (await failedStart(runtime)).error as RedisPermissionError;
  assert.instance(error, RedisPermissionError);
  assert.equal(error.commands, ["scan", "zrem"]);
  assert.equal(error.keys, ["fsm:timers:{Call:*}"]);
  assert.match(error.message, "the commands scan, zrem and the key fsm:timers:{Call:*} (for evalsha, eval, zadd)");
});

test("a user without EVAL: start() names eval, and says nothing else could be checked", async () => {
  await secured.user("fsmc-noeval", "~fsm:*", "+@all", "-eval");
  const { runtime } = runtimeFor(as("fsmc-noeval"));
  const error = (await failedStart(runtime)).error as RedisPermissionError;
  assert.instance(error, RedisPermissionError);
  assert.equal(error.commands, ["eval"]);
  assert.match(error.message, "nothing else was checked");
});

test("a user with exactly the README's ACL line starts and runs flows", async () => {
  await secured.user("fsmc-readme", ...readmeAclRules());
  const { runtime, call } = runtimeFor(as("fsmc-readme"));
  await runtime.start();
  await call.start("readme-1", { caller: "a" });
  await call.send("readme-1", { type: "Note", n: 1 });
  await waitFor("the flow to apply both events", async () => (await call.get("readme-1"))?.version === 2);
});

test("the README's ACL line and the permission check cover every command the Lua scripts run", () => {
  const luaDir = new URL("../../runtime/lua/", import.meta.url);
  const files = readdirSync(luaDir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(".lua"));
  const used = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(new URL(file, luaDir), "utf8").matchAll(/redis\.p?call\('([A-Za-z]+)'/g)) used.add(match[1]!.toLowerCase());
  }
  assert.ok(used.size > 10, `found only ${[...used].join(", ")}`);
  const checked = new Set(requiredCommands({ replicated: true }));
  const documented = new Set(
    readmeAclRules()
      .filter((rule) => rule.startsWith("+"))
      .map((rule) => rule.slice(1)),
  );
  for (const command of used) {
    assert.ok(checked.has(command), `the Lua scripts run ${command}, which start() does not check`);
    assert.ok(documented.has(command), `the Lua scripts run ${command}, which the README's ACL line does not allow`);
  }
  for (const command of checked) assert.ok(documented.has(command), `start() checks ${command}, which the README's ACL line does not allow`);
});

test("on a Redis without ACLs the permission check is one EVAL, and nothing else", async () => {
  const connection = connect(plain.url, { commandTimeoutMs: 5_000, connectTimeoutMs: 5_000 });
  try {
    await waitUntilReachable(connection, 5_000);
    await plainAdmin.config("RESETSTAT");
    await checkPermissions(connection, { machines: ["Call"], replicated: false, keys: new KeySpace() });
    const stats = (await plainAdmin.info("commandstats")).split("\n").filter((line) => line.startsWith("cmdstat_"));
    const calls = stats.map((line) => /^cmdstat_([^:]+):calls=(\d+)/.exec(line)!).filter((m) => !/^(config|info)\b/.test(m[1]!));
    assert.equal(
      calls.map((m) => [m[1], Number(m[2])]),
      [["eval", 1]],
    );
  } finally {
    await closeConnection(connection.redis);
  }
});

// --- errors after start, reported to onError ---

test("NOPERM on the timer service's claims and the sweeper's reads reaches onError as RedisPermissionError naming the keys", async () => {
  await secured.user("fsmc-revoked", ...readmeAclRules());
  const seen: { error: unknown; context: ErrorContext }[] = [];
  const { runtime } = runtimeFor(
    as("fsmc-revoked", "pw", { sweepIntervalMs: 50, timerPollMs: 20, onError: (error, context) => seen.push({ error, context }) }),
  );
  await runtime.start();
  // Revoked after start (Redis applies it to open connections): the flows' own keys stay allowed.
  await secured.admin.call("ACL", "SETUSER", "fsmc-revoked", "resetkeys", "~fsm:{*");
  const reported = (phase: ErrorContext["phase"]) => seen.find((s) => s.context.phase === phase)?.error;
  const timer = await waitFor("a timer claim error", () => reported("timer"));
  const sweep = await waitFor("a sweep error", () => reported("sweep"));
  for (const error of [timer, sweep]) {
    assert.instance(error, RedisPermissionError);
    assert.is((error as RedisPermissionError).code, "REDIS_NO_PERMISSION");
    assert.match((error as RedisPermissionError).message, "user 'fsmc-revoked'");
  }
  assert.match((timer as RedisPermissionError).keys.join(), /^fsm:timers:\{Call:\d+\}$/);
  assert.match((sweep as RedisPermissionError).keys.join(), /^fsm:pending:\{\d+\}$/);
  assert.match((sweep as RedisPermissionError).message, "for zrangebyscore");
  assert.ok(
    seen.every((s) => s.error instanceof FlowRuntimeError),
    "every reported error is a FlowRuntimeError",
  );
});

// --- memory ---

test("Redis at maxmemory with noeviction: send and start reject with RedisOutOfMemoryError", async () => {
  const { runtime, call } = runtimeFor({ redis: plain.url });
  await runtime.start();
  await call.start("oom-1", { caller: "a" });
  await plainAdmin.set("oom-filler", "x".repeat(3_000_000));
  await plainAdmin.config("SET", "maxmemory", "1mb");
  try {
    for (const error of [await refusal(call.send("oom-1", { type: "Note", n: 1 })), await refusal(call.start("oom-2", { caller: "b" }))]) {
      assert.instance(error, RedisOutOfMemoryError);
      assert.is((error as RedisOutOfMemoryError).code, "REDIS_OOM");
      assert.match(error.message, `Redis at 127.0.0.1:${plain.port} is out of memory`);
      assert.match(error.message, "raise maxmemory or free memory");
    }
  } finally {
    await plainAdmin.config("SET", "maxmemory", "0");
    await plainAdmin.del("oom-filler");
  }
});

// --- other error replies ---

test("a key of the wrong type: send rejects with RedisCommandError carrying Redis's reply", async () => {
  const { runtime, call } = runtimeFor({ redis: plain.url });
  await runtime.start();
  await plainAdmin.set("fsm:{Call:wrongtype-1}:s", "not a hash");
  const error = await refusal(call.send("wrongtype-1", { type: "Note", n: 1 }));
  assert.instance(error, RedisCommandError);
  assert.is((error as RedisCommandError).code, "REDIS_COMMAND");
  assert.match(error.message, `Redis at 127.0.0.1:${plain.port} answered`);
  assert.match(error.message, "WRONGTYPE");
});

// --- reachability ---

test("start() against a port nothing listens on: RedisUnavailableError with reason 'refused', within the bound", async () => {
  const port = await freePort();
  const { runtime } = runtimeFor({ redis: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
  const { error, ms } = await failedStart(runtime);
  assert.instance(error, RedisUnavailableError);
  const unavailable = error as RedisUnavailableError;
  assert.is(unavailable.code, "REDIS_UNAVAILABLE");
  assert.is(unavailable.reason, "refused");
  assert.match(unavailable.message, `Redis at 127.0.0.1:${port} is unavailable: connection refused`);
  assert.ok(ms < 2_000, `took ${ms} ms`);
});

test("start() over TLS against a self-signed certificate fails at once: reason 'tls' with the certificate error", async () => {
  const { runtime } = runtimeFor({ redis: { host: "127.0.0.1", port: tls.tlsPort, tls: {} }, connectTimeoutMs: 10_000 });
  const { error, ms } = await failedStart(runtime);
  assert.instance(error, RedisUnavailableError);
  const unavailable = error as RedisUnavailableError;
  assert.is(unavailable.reason, "tls");
  assert.match(unavailable.message, `Redis at 127.0.0.1:${tls.tlsPort} is unavailable: TLS handshake failed: self-signed certificate`);
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

test("the same TLS endpoint, with its certificate trusted, starts: the refusal was the certificate's", async () => {
  const { runtime, call } = runtimeFor({ redis: { host: "127.0.0.1", port: tls.tlsPort, tls: { ca: tls.certificate } } });
  await runtime.start();
  await call.start("tls-1", { caller: "a" });
  await waitFor("the flow to start", async () => (await call.get("tls-1"))?.version === 1);
});

// --- the classification itself ---

function fakeConnection(lastError?: Error): Connection {
  return { redis: undefined as unknown as Connection["redis"], address: "10.0.0.1:6379", user: "fsmc", lastError, keyPrefix: "" };
}

test("asRedisError leaves a FlowRuntimeError as it is", () => {
  const closed = new RuntimeClosedError();
  assert.is(asRedisError("10.0.0.1:6379", closed), closed);
  const auth = new RedisAuthError("10.0.0.1:6379", "fsmc", "wrong");
  assert.is(asRedisError(fakeConnection(), auth), auth);
});

test("a command that timed out while the connection was refused says so: reason 'refused', not just 'timeout'", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:6379"), { code: "ECONNREFUSED" });
  const timedOut = new Error("Command timed out");
  const alone = asRedisError("10.0.0.1:6379", timedOut) as RedisUnavailableError;
  assert.instance(alone, RedisUnavailableError);
  assert.is(alone.reason, "timeout");
  const explained = asRedisError(fakeConnection(refused), timedOut) as RedisUnavailableError;
  assert.is(explained.reason, "refused");
  assert.is(explained.cause, timedOut);
  assert.match(explained.message, "connection refused (connect ECONNREFUSED 10.0.0.1:6379); no reply within the command timeout (commandTimeoutMs)");
});

test("NOPERM on a script's keys names them; a refusal inside a script names the script call", () => {
  const keys = Object.assign(new ReplyError("NOPERM this user has no permissions to access one of the keys used as arguments"), {
    command: { name: "evalsha", args: ["0".repeat(40), "2", "fsm:{Call:1}:s", "fsm:{Call:1}:q", "1000"] },
  });
  const onKeys = asRedisError(fakeConnection(), keys) as RedisPermissionError;
  assert.instance(onKeys, RedisPermissionError);
  assert.equal(onKeys.keys, ["fsm:{Call:1}:s", "fsm:{Call:1}:q"]);
  assert.match(onKeys.message, "keys fsm:{Call:1}:s, fsm:{Call:1}:q for evalsha");
  const inside = Object.assign(new ReplyError("ERR The user executing the script can't run this command or subcommand script: abc, on @user_script:12."), {
    command: { name: "evalsha", args: ["abc", 1, "fsm:{Call:1}:s"] },
  });
  const inScript = asRedisError(fakeConnection(), inside) as RedisPermissionError;
  assert.instance(inScript, RedisPermissionError);
  assert.match(inScript.message, "a command run by the script (evalsha on fsm:{Call:1}:s)");
});

test("an error reply of no known kind is a RedisCommandError naming the command", () => {
  const reply = Object.assign(new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value"), {
    command: { name: "hgetall", args: ["fsm:{Call:1}:s"] },
  });
  const error = asRedisError(fakeConnection(), reply) as RedisCommandError;
  assert.instance(error, RedisCommandError);
  assert.is(error.command, "hgetall");
  assert.is(error.message, "Redis at 10.0.0.1:6379 answered hgetall with an error: WRONGTYPE Operation against a key holding the wrong kind of value");
});

test.run();
