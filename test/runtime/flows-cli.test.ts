// `fsmc flows inspect|unlock` as real subprocesses against a live flow, and which Redis they say they use.
import { execFile } from "node:child_process";
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { FlowRuntime, type MachineDefinition } from "../../runtime/index.js";
import { DEFAULT_TIMER_SHARDS } from "../../runtime/timers/index.js";
import { timerShard } from "../../runtime/timers/member.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
const bin = new URL("../../bin/fsmc.js", import.meta.url).pathname;
let releaseWork!: () => void;
let holder: Awaited<ReturnType<RuntimePool["call"]>>["runtime"];
let holderEpoch = 0;

/** Runs fsmc with FSMC_REDIS_URL unset, or set as `env` says. */
function fsmcWith(env: { FSMC_REDIS_URL?: string }, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const environment = { ...process.env, ...env };
  if (env.FSMC_REDIS_URL === undefined) delete environment.FSMC_REDIS_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 20_000, env: environment }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const fsmc = (...args: string[]) => fsmcWith({}, ...args);

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const gate = new Promise<void>((resolve) => (releaseWork = resolve));
  const { client: call, runtime } = await pool.call(
    { redis: server.url, lockTtlMs: 30_000, sweepIntervalMs: 60_000 },
    { onAction: async (name) => void (name === "work" && (await gate)) },
  );
  holder = runtime;
  // A live flow: answered, one Work in progress (holding the lock), one Note queued behind it.
  await call.start("live-1", { caller: "+331" });
  await call.send("live-1", { type: "Answered" });
  await call.send("live-1", { type: "Work", ms: 1 });
  await call.send("live-1", { type: "Note", n: 9 });
  await waitFor("the Work event to be in progress", async () => (await redis.hget("fsm:{Call:live-1}:s", F.version)) === "2");
  // The holder's epoch: 1, or 2 when the start's drain released the flow before Answered was enqueued.
  holderEpoch = Number(await redis.hget("fsm:{Call:live-1}:s", F.epoch));
});

test.after(async () => {
  releaseWork();
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("inspect prints state, context, version, epoch, queue and the lock holder with its TTL", async () => {
  const { code, stdout } = await fsmc("flows", "inspect", "Call", "live-1", "--redis", server.url);
  assert.is(code, 0);
  assert.match(stdout, "flow Call/live-1");
  assert.match(stdout, /state\s+Talking \(active\)/);
  assert.match(stdout, /version\s+2/);
  assert.match(stdout, new RegExp(`epoch\\s+${holderEpoch}\\b`));
  assert.match(stdout, `"caller":"+331"`);
  assert.match(stdout, /lock\s+held by \S+, expires in \d+ ms/);
  assert.match(stdout, /queue\s+2 event\(s\)\n\s+#3\s+\{"type":"Work","ms":1\}.*\n\s+#4\s+\{"type":"Note","n":9\}/);
});

test("inspect with --redis prints no note about which Redis it uses", async () => {
  const { code, stderr } = await fsmc("flows", "inspect", "Call", "live-1", "--redis", server.url);
  assert.is(code, 0);
  assert.is(stderr, "");
});

test("inspect without --redis uses FSMC_REDIS_URL and says so on stderr; --json keeps stdout pure JSON", async () => {
  const { code, stdout, stderr } = await fsmcWith({ FSMC_REDIS_URL: server.url }, "flows", "inspect", "Call", "live-1", "--json");
  assert.is(code, 0, stderr);
  assert.is((JSON.parse(stdout) as { state: string }).state, "Talking");
  assert.is(stderr, `fsmc flows inspect: using Redis at 127.0.0.1:${server.port} (from FSMC_REDIS_URL; no --redis given)\n`);
});

test("unlock without --redis says which Redis it uses before acting on it", async () => {
  const { code, stdout, stderr } = await fsmcWith({ FSMC_REDIS_URL: server.url }, "flows", "unlock", "Call", "nobody", "--json");
  assert.is(code, 1);
  assert.equal(JSON.parse(stdout), { machine: "Call", flowId: "nobody", exists: false, epoch: -1, deleted: false });
  assert.is(stderr, `fsmc flows unlock: using Redis at 127.0.0.1:${server.port} (from FSMC_REDIS_URL; no --redis given)\n`);
});

test("with neither --redis nor FSMC_REDIS_URL, inspect says it uses 127.0.0.1:6379 and how to choose another", async () => {
  // Whatever answers on 6379 on this machine (a Redis or nothing), the first line says which Redis was meant.
  const { stderr } = await fsmc("flows", "inspect", "Call", "no-such-flow-of-this-test");
  assert.is(stderr.split("\n")[0], "fsmc flows inspect: using Redis at 127.0.0.1:6379 (no --redis given; set --redis or FSMC_REDIS_URL)");
});

test("inspect --json prints the same as JSON", async () => {
  const { code, stdout } = await fsmc("flows", "inspect", "Call", "live-1", "--redis", server.url, "--json");
  assert.is(code, 0);
  const view = JSON.parse(stdout) as { state: string; version: number; epoch: number; queue: { seq: number }[]; lock: { holder: string; ttlMs: number } };
  assert.is(view.state, "Talking");
  assert.is(view.version, 2);
  assert.is(view.epoch, holderEpoch);
  assert.equal(
    view.queue.map((r) => r.seq),
    [3, 4],
  );
  assert.ok(view.lock.ttlMs > 0 && view.lock.holder.length > 0);
});

/** Waits in Ringing with an hour-long timer: a flow whose armed timer stays in its shard. */
const Waiting: MachineDefinition = {
  name: "Waiting",
  version: 1,
  initial: "Ringing",
  finals: ["Missed"],
  states: {
    Ringing: { final: false, entry: [], exit: [], on: {}, timers: [{ id: "Ringing/1h", ms: 3_600_000, clauses: [{ target: "Missed", actions: [] }] }] },
    Missed: { final: true, entry: [], exit: [], on: {}, timers: [] },
  },
  on: {},
  contextDefaults: {},
  schemas: { events: {}, startContext: { type: "object", properties: {}, additionalProperties: false } },
  guards: [],
  actions: [],
};

test("inspect --timer-shards reads a flow's timer due times from the shard the runtimes put them in", async () => {
  const runtime = pool.add(new FlowRuntime({ redis: server.url, timerShards: 7 }));
  const waiting = runtime.register(Waiting, { guards: {}, actions: {} });
  await runtime.start();
  // A flow whose shard out of 7 is not its shard out of the default count.
  const flowId = Array.from({ length: 50 }, (_, i) => `wait-${i}`).find(
    (id) => timerShard("Waiting", id, 7) !== timerShard("Waiting", id, DEFAULT_TIMER_SHARDS),
  )!;
  await waiting.start(flowId, {});
  await waitFor("the start to apply", async () => (await waiting.get(flowId))?.version === 1);
  const found = await fsmc("flows", "inspect", "Waiting", flowId, "--redis", server.url, "--timer-shards", "7");
  assert.is(found.code, 0, found.stderr);
  assert.match(found.stdout, /timers\s+Ringing\/1h due \d{4}-\d\d-\d\dT/);
  // With the default count it looks in another shard, and says the timer is not there.
  const missed = await fsmc("flows", "inspect", "Waiting", flowId, "--redis", server.url);
  assert.match(missed.stdout, /timers\s+Ringing\/1h not in its shard/);
});

test("inspect of an unknown flow says so and exits 1", async () => {
  const { code, stdout } = await fsmc("flows", "inspect", "Call", "nobody", "--redis", server.url);
  assert.is(code, 1);
  assert.match(stdout, "flow Call/nobody: not found");
});

test("unreachable Redis is one clear line naming the address, exit 1, no stack trace", async () => {
  const port = await freePort();
  const { code, stderr } = await fsmc("flows", "inspect", "Call", "live-1", "--redis", `redis://127.0.0.1:${port}`);
  assert.is(code, 1);
  assert.match(stderr, `fsmc flows inspect: cannot reach Redis at 127.0.0.1:${port}`);
  assert.not.match(stderr, /\n\s+at /);
});

test("inspect --locks shows the flow's lock on each Redlock lock server, and an unreachable one as such", async () => {
  const lockServer = await startRedis();
  const deadPort = await freePort();
  const onLockServer = new Redis(lockServer.url);
  try {
    await onLockServer.set("fsm:{Call:live-1}:lock", "redlock-token", "PX", 60_000);
    const { code, stdout } = await fsmc(
      "flows",
      "inspect",
      "Call",
      "live-1",
      "--redis",
      server.url,
      "--locks",
      lockServer.url,
      `redis://127.0.0.1:${deadPort}`,
    );
    assert.is(code, 0);
    assert.match(stdout, new RegExp(`on 127\\.0\\.0\\.1:${lockServer.port}: held \\(redlock-token\\), expires in \\d+ ms`));
    assert.match(stdout, `on 127.0.0.1:${deadPort}: unreachable`);
  } finally {
    onLockServer.disconnect();
    await lockServer.stop({ cleanup: true });
  }
});

test("unlock bumps the epoch and deletes the lock; the holder's commit is then refused and the flow goes on", async () => {
  const { code, stdout } = await fsmc("flows", "unlock", "Call", "live-1", "--redis", server.url);
  assert.is(code, 0);
  assert.match(stdout, `flow Call/live-1: epoch now ${holderEpoch + 1}, lock deleted`);
  assert.is(await redis.exists("fsm:{Call:live-1}:lock"), 0);
  releaseWork();
  await waitFor("the holder's commit to be refused", () => holder.metrics().staleCommits === 1);
  assert.is(await redis.llen("fsm:{Call:live-1}:q"), 2, "the refused commit popped nothing");
  const { runtime } = await pool.call({ redis: server.url, sweepIntervalMs: 50 });
  await waitFor("another runtime to finish the flow", async () => (await redis.hget("fsm:{Call:live-1}:s", F.version)) === "4");
  assert.ok(runtime.metrics().swept >= 1);
});

test.run();
