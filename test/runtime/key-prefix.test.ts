// keyPrefix: two runtimes with different prefixes on one Redis keep every key, flow, timer, watchdog finding and operation apart.
import { execFile } from "node:child_process";
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startRedis, type RedisServer } from "../support/redis.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { OrderV1, OrderV3, orderHandlers } from "./fixtures/order.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { silentMachine, timedHandlers, waitingMachine } from "./timers-support/machines.js";
import { chooseKeyPrefix } from "../../compiler/cli/flows/ops-connection.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { KeySpace } from "../../runtime/keys.js";
import {
  ConfigurationError,
  FlowRuntime,
  listStuckFlows,
  RedisPermissionError,
  type FlowInspection,
  type FlowRuntimeOptions,
  type RuntimeMetrics,
  type StuckFlows,
} from "../../runtime/index.js";

let server: RedisServer;
let lockServer: RedisServer;
let admin: Redis;
const pool = new RuntimePool();
const bin = new URL("../../bin/fsmc.js", import.meta.url).pathname;
const PREFIXES = ["app-a:", "app-b:"] as const;
type Prefix = (typeof PREFIXES)[number];

/** Everything the runtimes reported to onError: only the dead-lettered notes are expected. */
const reported: unknown[] = [];

function open(redis: FlowRuntimeOptions["redis"], extra: Partial<FlowRuntimeOptions> = {}) {
  const runtime = pool.add(
    new FlowRuntime({
      // A long sweep interval keeps the pending index's entries: the last test finds them in each key space.
      redis,
      timerPollMs: 20,
      sweepIntervalMs: 60_000,
      watchdogIntervalMs: 200,
      retry: { maxAttempts: 1 },
      onError: (error) => reported.push(error),
      ...extra,
    }),
  );
  const call = runtime.register(
    Call,
    callHandlers({
      onAction: (name, event) => {
        if (name === "note" && (event as { n?: number }).n === 13) throw new Error("note 13 is refused");
      },
    }),
  );
  const timed = runtime.register(waitingMachine("Timed", 150), timedHandlers());
  const silent = runtime.register(silentMachine("Silent", 250), timedHandlers());
  const parked = runtime.register(waitingMachine("Parked", 3_600_000), timedHandlers());
  return { runtime, call, timed, silent, parked };
}

let a: ReturnType<typeof open>;
let b: ReturnType<typeof open>;

/** Runs the real `fsmc` with neither FSMC_REDIS_URL nor FSMC_KEY_PREFIX set, unless `env` sets them. */
function fsmc(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  delete environment.FSMC_REDIS_URL;
  delete environment.FSMC_KEY_PREFIX;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000, env: { ...environment, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "COUNT", 1_000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys.sort();
}

test.before(async () => {
  [server, lockServer] = await Promise.all([startRedis(), startRedis()]);
  admin = new Redis(server.url);
  // Runtime A's user may touch nothing but its own prefix's keys: start() checks them, and every command would be refused otherwise.
  await admin.call("ACL", "SETUSER", "app-a", "reset", "on", ">pw", "~app-a:fsm:*", "+@all");
  // A in ioredis options (as the ACL user), B in the URL: both are ways ioredis takes a keyPrefix.
  a = open({ host: "127.0.0.1", port: server.port, username: "app-a", password: "pw", keyPrefix: "app-a:" });
  b = open(`${server.url}?keyPrefix=app-b:`);
  await Promise.all([a.runtime.start(), b.runtime.start()]);
});

test.after(async () => {
  await pool.closeAll();
  admin.disconnect();
  await Promise.all([server.stop({ cleanup: true }), lockServer.stop({ cleanup: true })]);
});

test("a prefix that is not a string, or holds a brace, is a ConfigurationError naming the option", () => {
  const refused = (options: FlowRuntimeOptions, named: string, why: string) => {
    try {
      pool.add(new FlowRuntime(options));
      assert.unreachable(`${named} was accepted`);
    } catch (error) {
      assert.instance(error, ConfigurationError);
      assert.match((error as Error).message, `FlowRuntime option ${named}`);
      assert.match((error as Error).message, why);
    }
  };
  const port = server.port;
  refused({ redis: { port, keyPrefix: "app{a}:" } }, "redis.keyPrefix", "must not contain '{' or '}'");
  refused({ redis: { port, keyPrefix: Buffer.from("app:") as unknown as string } }, "redis.keyPrefix", "must be a string, got a Buffer");
  refused({ redis: `${server.url}?keyPrefix=%7Bapp%7D` }, "redis (its keyPrefix parameter)", "must not contain");
  refused({ redis: { cluster: [{ host: "127.0.0.1", port }], options: { keyPrefix: "{c}" } } }, "redis.options.keyPrefix", "must not contain");
  refused(
    { redis: { cluster: [{ host: "127.0.0.1", port }], options: { redisOptions: { keyPrefix: "}" } } } },
    "redis.options.redisOptions.keyPrefix",
    "must not contain",
  );
  refused(
    { redis: { port, keyPrefix: "app-a:" }, locks: [lockServer.url, { port: lockServer.port, keyPrefix: "other:" }] },
    "locks[1].keyPrefix",
    "must be that of the redis option",
  );
});

test("the key space escapes a prefix's glob characters in patterns, and reads only its own keys", () => {
  const space = new KeySpace("app*[1]?\\:");
  assert.is(space.pattern("fsm:{*}:s"), "app\\*\\[1\\]\\?\\\\:fsm:{*}:s");
  assert.is(space.flow("Call", "x").state, "app*[1]?\\:fsm:{Call:x}:s");
  assert.is(space.local("app*[1]?\\:fsm:{Call:x}:s"), "fsm:{Call:x}:s");
  assert.is(space.local("fsm:{Call:x}:s"), undefined);
});

test("the same machine and flow id in two key spaces: start, send and get each see their own flow", async () => {
  await a.call.start("same-1", { caller: "a" });
  await b.call.start("same-1", { caller: "b" });
  await a.call.send("same-1", { type: "Note", n: 1 });
  await a.call.send("same-1", { type: "Note", n: 2 });
  await b.call.send("same-1", { type: "Note", n: 3 });
  const flowA = await waitFor(
    "A's notes",
    async () => {
      const flow = await a.call.get("same-1");
      return flow?.context.notes.length === 2 ? flow : undefined;
    },
    30_000,
  );
  const flowB = await waitFor(
    "B's note",
    async () => {
      const flow = await b.call.get("same-1");
      return flow?.context.notes.length === 1 ? flow : undefined;
    },
    30_000,
  );
  assert.equal([flowA.context.caller, flowA.context.notes, flowA.version], ["a", [1, 2], 3]);
  assert.equal([flowB.context.caller, flowB.context.notes, flowB.version], ["b", [3], 2]);
  assert.is(await admin.exists("fsm:{Call:same-1}:s"), 0, "no flow under the unprefixed key");
  assert.is(await admin.hget("app-a:fsm:{Call:same-1}:s", F.state), "Ringing");
});

test("timers and the deadline fire in each key space", async () => {
  await Promise.all([a, b].flatMap((r) => [r.timed.start("same-1", {}), r.silent.start("same-1", {}), r.parked.start("same-1", {})]));
  for (const [name, r] of [
    ["A", a],
    ["B", b],
  ] as const) {
    const timed = await waitFor(
      `${name}'s timer`,
      async () => {
        const flow = await r.timed.get("same-1");
        return flow?.state === "Done" ? flow : undefined;
      },
      30_000,
    );
    assert.is(timed.context.fired, 1, `${name}: the timer applied once`);
    const silent = await waitFor(
      `${name}'s deadline`,
      async () => {
        const flow = await r.silent.get("same-1");
        return flow?.state === "TimedOut" ? flow : undefined;
      },
      30_000,
    );
    assert.equal(silent.context.trail, ["onDeadline:fsm.deadline:250"], `${name}: the deadline applied once`);
  }
  for (const prefix of PREFIXES) {
    const shards = (await allKeys(admin)).filter((key) => key.startsWith(`${prefix}fsm:timers:{Parked:`));
    assert.is(shards.length, 1, `the parked timer of ${prefix} is in its own shard set`);
  }
});

test("each runtime's watchdog scans only its own key space", async () => {
  await a.call.start("dl-a", { caller: "a" });
  await a.call.send("dl-a", { type: "Note", n: 13 });
  await b.call.start("dl-b", { caller: "b" });
  await b.call.send("dl-b", { type: "Note", n: 13 });
  for (const [name, r, flowId] of [
    ["A", a, "dl-a"],
    ["B", b, "dl-b"],
  ] as const) {
    const scanned = r.runtime.metrics().watchdog.scans;
    const metrics: RuntimeMetrics = await waitFor(
      `${name}'s watchdog to find its dead letter`,
      () => {
        const m = r.runtime.metrics();
        return m.watchdog.scans > scanned && m.watchdog.deadLettered > 0 ? m : undefined;
      },
      30_000,
    );
    assert.equal([metrics.watchdog.deadLettered, metrics.watchdog.deadLetteredEvents], [1, 1], `${name} counts its own dead letter only`);
    const report = await listStuckFlows(admin, { keyPrefix: name === "A" ? "app-a:" : "app-b:" });
    assert.equal(
      report.deadLettered.map((d) => d.flowId),
      [flowId],
    );
  }
  assert.is((await listStuckFlows(admin)).deadLettered.length, 0, "no flow in the unprefixed key space");
});

test("fsmc flows inspect, stuck and unlock with --key-prefix (or FSMC_KEY_PREFIX) see only their own flows", async () => {
  const inspect = async (prefix: Prefix, env: Record<string, string> = {}) => {
    const run = await fsmc(
      env,
      "flows",
      "inspect",
      "Call",
      "same-1",
      "--redis",
      server.url,
      "--json",
      ...(env.FSMC_KEY_PREFIX ? [] : ["--key-prefix", prefix]),
    );
    assert.is(run.code, 0, run.stderr);
    return { view: JSON.parse(run.stdout) as FlowInspection & { context: { caller: string; notes: number[] } }, stderr: run.stderr };
  };
  const inA = await inspect("app-a:");
  assert.equal([inA.view.context.caller, inA.view.context.notes, inA.stderr], ["a", [1, 2], ""]);
  const inB = await inspect("app-b:", { FSMC_KEY_PREFIX: "app-b:" });
  assert.equal([inB.view.context.caller, inB.view.context.notes], ["b", [3]]);
  assert.is(inB.stderr, `fsmc flows inspect: using key prefix "app-b:" (from FSMC_KEY_PREFIX; no --key-prefix given)\n`);

  const parked = await fsmc({}, "flows", "inspect", "Parked", "same-1", "--redis", server.url, "--key-prefix", "app-a:", "--json");
  const timers = (JSON.parse(parked.stdout) as FlowInspection).timers ?? [];
  assert.is(timers.length, 1);
  assert.match(timers[0]!.key, /^app-a:fsm:timers:\{Parked:\d+\}$/);
  assert.ok(typeof timers[0]!.due === "number", "the timer's due time is read from its prefixed shard");

  const unprefixed = await fsmc({}, "flows", "inspect", "Call", "same-1", "--redis", server.url);
  assert.is(unprefixed.code, 1, "no flow in the unprefixed key space");

  const stuck = async (...prefix: string[]) => {
    const run = await fsmc({}, "flows", "stuck", "--redis", server.url, "--json", ...prefix);
    assert.is(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as StuckFlows).deadLettered.map((d) => `${d.machine}/${d.flowId}`);
  };
  assert.equal(await stuck("--key-prefix", "app-a:"), ["Call/dl-a"]);
  assert.equal(await stuck("--key-prefix", "app-b:"), ["Call/dl-b"]);

  const epochA = await admin.hget("app-a:fsm:{Call:same-1}:s", F.epoch);
  const epochB = Number(await admin.hget("app-b:fsm:{Call:same-1}:s", F.epoch));
  const unlock = await fsmc({}, "flows", "unlock", "Call", "same-1", "--redis", server.url, "--key-prefix", "app-b:", "--json");
  assert.is(unlock.code, 0, unlock.stderr);
  assert.equal(JSON.parse(unlock.stdout), { machine: "Call", flowId: "same-1", exists: true, epoch: epochB + 1, deleted: false });
  assert.is(await admin.hget("app-a:fsm:{Call:same-1}:s", F.epoch), epochA, "A's flow of the same id is untouched");

  const braced = await fsmc({}, "flows", "inspect", "Call", "same-1", "--redis", server.url, "--key-prefix", "app{a}:");
  assert.is(braced.code, 2);
  assert.match(braced.stderr, "fsmc flows inspect: --key-prefix must not contain '{' or '}'");
});

test("a flows command's prefix: --key-prefix, else FSMC_KEY_PREFIX (said), else the URL's keyPrefix parameter, which may not disagree", () => {
  const env = { FSMC_KEY_PREFIX: "env:" };
  assert.equal(chooseKeyPrefix("stuck", undefined, "", {}), { keyPrefix: "" });
  assert.equal(chooseKeyPrefix("stuck", "opt:", "", env), { keyPrefix: "opt:" });
  assert.equal(chooseKeyPrefix("stuck", undefined, "", env), {
    keyPrefix: "env:",
    note: `fsmc flows stuck: using key prefix "env:" (from FSMC_KEY_PREFIX; no --key-prefix given)`,
  });
  assert.equal(chooseKeyPrefix("stuck", undefined, "url:", {}), { keyPrefix: "url:" });
  assert.equal(chooseKeyPrefix("stuck", "url:", "url:", env), { keyPrefix: "url:" });
  assert.throws(
    () => chooseKeyPrefix("stuck", "opt:", "url:", {}),
    (error: Error) =>
      error instanceof ConfigurationError && error.message === `the Redis URL's keyPrefix parameter "url:" and --key-prefix "opt:" differ; give one`,
  );
  assert.throws(() => chooseKeyPrefix("stuck", undefined, "url:", env), /and FSMC_KEY_PREFIX "env:" differ/);
  assert.throws(() => chooseKeyPrefix("stuck", undefined, "", { FSMC_KEY_PREFIX: "a}" }), /FSMC_KEY_PREFIX must not contain/);
});

test("fsmc flows migrate --key-prefix moves the flows of its key space", async () => {
  type Orders = { start(id: string, ctx: object): Promise<void>; get(id: string): Promise<unknown> };
  const old = pool.add(new FlowRuntime({ redis: { port: server.port, keyPrefix: "app-m:" } }));
  const v1 = old.register(OrderV1 as never, orderHandlers as never) as Orders;
  await old.start();
  await v1.start("m-1", {});
  await waitFor("m-1 to start", async () => ((await v1.get("m-1")) as { version?: number } | undefined)?.version === 1, 30_000);
  await old.close();
  const next = pool.add(new FlowRuntime({ redis: { port: server.port, keyPrefix: "app-m:" }, sweepIntervalMs: 200 }));
  const v3 = next.register(OrderV3 as never, orderHandlers as never) as Orders;
  await next.start();

  const unprefixed = await fsmc({}, "flows", "migrate", "Order", "--from", "1", "--redis", server.url);
  assert.is(unprefixed.code, 1, "the unprefixed key space stores no Order");
  const run = await fsmc({}, "flows", "migrate", "Order", "--from", "1", "--redis", server.url, "--key-prefix", "app-m:", "--json");
  assert.is(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { queued: string[] }).queued, ["m-1"]);
  await waitFor("m-1 to move to version 3", async () => ((await v3.get("m-1")) as { machineVersion?: number } | undefined)?.machineVersion === 3, 30_000);
});

test("start() names the prefixed key patterns a user's ACL refuses", async () => {
  const other = new FlowRuntime({ redis: { host: "127.0.0.1", port: server.port, username: "app-a", password: "pw", keyPrefix: "app-c:" } });
  other.register(Call, callHandlers());
  try {
    await other.start();
    assert.unreachable("start() passed");
  } catch (error) {
    assert.instance(error, RedisPermissionError);
    assert.ok((error as RedisPermissionError).keys.includes("app-c:fsm:{Call:*}:s"), (error as Error).message);
    assert.ok((error as RedisPermissionError).keys.includes("app-c:fsm:pending:{*}"), (error as Error).message);
  } finally {
    await other.close();
  }
});

test("Redlock mode: the lock servers hold the flow's lock under the prefixed name", async () => {
  let working!: () => void;
  let finish!: () => void;
  const started = new Promise<void>((resolve) => (working = resolve));
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const { client: call } = await pool.call(
    { redis: { port: server.port, keyPrefix: "app-r:" }, locks: [lockServer.url], lockTtlMs: 5_000, sweepIntervalMs: 200 },
    {
      onAction: async (name) => {
        if (name !== "work") return;
        working();
        await gate;
      },
    },
  );
  const locks = new Redis(lockServer.url);
  try {
    await call.start("rl-1", { caller: "r" });
    await call.send("rl-1", { type: "Answered" });
    await call.send("rl-1", { type: "Work", ms: 1 });
    await started;
    assert.equal(await allKeys(locks), ["app-r:fsm:{Call:rl-1}:lock"]);
    const run = await fsmc({}, "flows", "inspect", "Call", "rl-1", "--redis", server.url, "--key-prefix", "app-r:", "--locks", lockServer.url, "--json");
    assert.is(run.code, 0, run.stderr);
    assert.ok((JSON.parse(run.stdout) as FlowInspection).lockServers?.[0]?.holder, "inspect reads the prefixed lock on the lock server");
    finish();
    await waitFor("the work to commit", async () => (await call.get("rl-1"))?.context.trail.includes("work:1"), 30_000);
  } finally {
    finish();
    locks.disconnect();
  }
});

test("every key written starts with its runtime's prefix", async () => {
  const keys = await allKeys(admin);
  const stray = keys.filter((key) => !["app-a:", "app-b:", "app-m:", "app-r:"].some((prefix) => key.startsWith(prefix)));
  assert.equal(stray, [], "keys outside every key space");
  for (const prefix of PREFIXES) {
    const own = prefix === "app-a:" ? "dl-a" : "dl-b";
    for (const kind of ["fsm:{Call:same-1}:s", `fsm:{Call:${own}}:dlq`, "fsm:def:{Call}", "fsm:runners:{Call}", "fsm:pending:{"]) {
      assert.ok(
        keys.some((key) => key.startsWith(prefix + kind)),
        `${prefix}${kind}… exists`,
      );
    }
  }
  assert.equal(
    reported.filter((error) => (error as { code?: string }).code !== "HANDLER_FAILED"),
    [],
    "nothing but the refused notes was reported",
  );
});

test.run();
