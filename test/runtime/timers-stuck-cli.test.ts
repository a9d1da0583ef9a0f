// `fsmc flows stuck` as a real subprocess (bin/fsmc.js): the report in text and JSON, hung holders, which Redis it talks to, and a clear exit 1 when Redis is unreachable.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TimerStore } from "../../runtime/timers/index.js";
import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { seedFlow } from "./timers-support/flows.js";

const fsmc = fileURLToPath(new URL("../../bin/fsmc.js", import.meta.url));

let server: RedisServer;
let redis: Redis;

/** The environment of the runs: FSMC_REDIS_URL unset unless a test sets it. */
function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!("FSMC_REDIS_URL" in extra)) delete env.FSMC_REDIS_URL;
  return env;
}

function stuckWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fsmc, "flows", "stuck", ...args], { env: environment(env) }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const stuck = (...args: string[]) => stuckWith({}, ...args);

/** A holder's token, as the runtime writes it: `<hostname>:<pid>:<random>:<n>`. */
const token = "call-host-7:4242:k3j2x9:12";

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const store = new TimerStore(redis);
  await seedFlow(redis, store, { machine: "Call", flowId: "late", deadlineMs: 1 });
  await seedFlow(redis, store, { machine: "Call", flowId: "orphan", queuedAgoMs: 60_000 });
  await seedFlow(redis, store, { machine: "Call", flowId: "failing", deadLetters: [{ seq: 2, error: "boom" }] });
  // A hung holder: its lock is held, and the head it should have committed long ago waited 10 minutes.
  await seedFlow(redis, store, { machine: "Call", flowId: "hung", queuedAgoMs: 600_000 });
  await redis.set("fsm:{Call:hung}:lock", token, "PX", 3_600_000);
  // A healthy holder: its lock is held, its head was enqueued 2 s ago.
  await seedFlow(redis, store, { machine: "Call", flowId: "busy", queuedAgoMs: 2_000 });
  await redis.set("fsm:{Call:busy}:lock", "call-host-8:77:a1b2c3:3", "PX", 3_600_000);
  await new Promise((resolve) => setTimeout(resolve, 20));
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("the text report names each stuck flow under its heading", async () => {
  const { code, stdout } = await stuck("--redis", server.url, "--grace", "0");
  assert.is(code, 0);
  assert.match(stdout, /past deadline: 1\n {2}Call\/late {2}state Ringing/);
  assert.match(stdout, /orphaned queues: 1\n {2}Call\/orphan {2}1 queued/);
  assert.match(
    stdout,
    /hung holders: 1\n {2}Call\/hung {2}held by call-host-7:4242:k3j2x9:12 {2}head #2 Answered waiting 6\d\d\.\ds {2}lock expires in \d+\.\ds\n/,
  );
  assert.match(stdout, /dead-lettered events: 1 in 1 flows\n {2}Call\/failing/);
  assert.not.match(stdout, /busy/);
});

test("--json prints the whole report as JSON", async () => {
  const { code, stdout } = await stuck("--redis", server.url, "--grace", "0", "--json");
  assert.is(code, 0);
  const report = JSON.parse(stdout) as { counts: Record<string, number> };
  assert.equal(report.counts, { pastDeadline: 1, orphanedQueues: 1, hungHolders: 1, unrunnable: 0, deadLettered: 1, deadLetteredEvents: 1 });
});

test("--json lists each hung holder with its token, head event, wait and the lock's remaining TTL; a healthy holder is not listed", async () => {
  const { code, stdout } = await stuck("--redis", server.url, "--json");
  assert.is(code, 0);
  const report = JSON.parse(stdout) as {
    hungHolders: { machine: string; flowId: string; holder: string; headSeq: number; headType: string; waitedMs: number; lockTtlMs: number }[];
  };
  assert.equal(
    report.hungHolders.map((h) => [h.machine, h.flowId, h.holder, h.headSeq, h.headType]),
    [["Call", "hung", token, 2, "Answered"]],
  );
  const [hung] = report.hungHolders;
  assert.ok(hung!.waitedMs >= 600_000 && hung!.waitedMs < 1_200_000, `waited ${hung!.waitedMs} ms`);
  assert.ok(hung!.lockTtlMs > 0 && hung!.lockTtlMs <= 3_600_000, `lock TTL ${hung!.lockTtlMs} ms`);
});

test("--hung-after sets how long a head may wait under a held lock: at 1 s the healthy holder's 2 s wait is listed too", async () => {
  const { code, stdout } = await stuck("--redis", server.url, "--json", "--hung-after", "1000");
  assert.is(code, 0);
  assert.equal(
    (JSON.parse(stdout) as { hungHolders: { flowId: string }[] }).hungHolders.map((h) => h.flowId),
    ["busy", "hung"],
  );
});

test("--help documents --hung-after and its default, hungHolderAfterMs of the runtime's defaults", async () => {
  const { code, stdout } = await stuck("--help");
  assert.is(code, 0);
  assert.match(stdout, /--hung-after[\s\S]*hung holder[\s\S]*\[default: 161500\]/);
});

test("without --redis it says on stderr which Redis it uses (FSMC_REDIS_URL here), and --json keeps stdout pure JSON", async () => {
  const { code, stdout, stderr } = await stuckWith({ FSMC_REDIS_URL: server.url }, "--json");
  assert.is(code, 0, stderr);
  assert.is((JSON.parse(stdout) as { counts: { hungHolders: number } }).counts.hungHolders, 1, "the report of the Redis FSMC_REDIS_URL names");
  assert.is(stderr, `fsmc flows stuck: using Redis at 127.0.0.1:${server.port} (from FSMC_REDIS_URL; no --redis given)\n`);
});

test("--redis wins over FSMC_REDIS_URL and prints no note", async () => {
  const port = await freePort();
  const { code, stdout, stderr } = await stuckWith({ FSMC_REDIS_URL: `redis://127.0.0.1:${port}` }, "--redis", server.url, "--json");
  assert.is(code, 0, stderr);
  assert.is(stderr, "");
  assert.ok(JSON.parse(stdout));
});

test("--locks: in Redlock mode a queue whose lock the lock servers hold is not orphaned", async () => {
  const lockServer = await startRedis();
  const locks = new Redis(lockServer.url);
  try {
    await seedFlow(redis, new TimerStore(redis), { machine: "Call", flowId: "held", queuedAgoMs: 60_000 });
    await locks.set("fsm:{Call:held}:lock", "redlock-token", "PX", 30_000);
    // busy's head, seeded 2 s old, is made a minute old: whether it had passed the 10 s lock TTL
    // must not depend on how long the tests before this one took.
    const [seconds] = await redis.time();
    await redis.lset("fsm:{Call:busy}:q", 0, JSON.stringify({ seq: 2, id: "", at: Number(seconds) * 1000 - 60_000, event: { type: "Answered" } }));
    const orphaned = async (...args: string[]) => {
      const { code, stdout } = await stuck("--redis", server.url, "--json", ...args);
      assert.is(code, 0);
      return (JSON.parse(stdout) as { orphanedQueues: { flowId: string }[] }).orphanedQueues.map((q) => q.flowId);
    };
    // busy and hung keep their locks beside the flow, which Redlock mode does not read.
    assert.equal(await orphaned("--locks", lockServer.url), ["busy", "hung", "orphan"]);
    assert.equal(await orphaned(), ["held", "orphan"], "without --locks only the lock beside the flow is read");
    // held's head waited 60 s under the lock the lock servers hold: a hung holder past a 30 s limit.
    const { stdout } = await stuck("--redis", server.url, "--json", "--locks", lockServer.url, "--hung-after", "30000");
    const hung = (JSON.parse(stdout) as { hungHolders: { flowId: string; holder: string; lockTtlMs: number }[] }).hungHolders;
    assert.equal(
      hung.map((h) => [h.flowId, h.holder]),
      [["held", "redlock"]],
    );
    assert.ok(hung[0]!.lockTtlMs > 0 && hung[0]!.lockTtlMs <= 30_000);
  } finally {
    await redis.del("fsm:{Call:held}:s", "fsm:{Call:held}:q");
    locks.disconnect();
    await lockServer.stop({ cleanup: true });
  }
});

test("an unreachable Redis exits 1 with its address and no stack trace", async () => {
  const port = await freePort();
  const { code, stdout, stderr } = await stuck("--redis", `redis://127.0.0.1:${port}`);
  assert.is(code, 1);
  assert.is(stdout, "");
  assert.match(stderr, `cannot reach Redis at 127.0.0.1:${port}`);
  assert.not.match(stderr, /\n\s+at /);
});

test.run();
