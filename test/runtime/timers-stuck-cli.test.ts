// `fsmc flows stuck` as a real subprocess (bin/fsmc.js): the report in text and JSON, and a clear exit 1 when Redis is unreachable.
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

function stuck(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fsmc, "flows", "stuck", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const store = new TimerStore(redis);
  await seedFlow(redis, store, { machine: "Call", flowId: "late", deadlineMs: 1 });
  await seedFlow(redis, store, { machine: "Call", flowId: "orphan", queuedAgoMs: 60_000 });
  await seedFlow(redis, store, { machine: "Call", flowId: "failing", deadLetters: [{ seq: 2, error: "boom" }] });
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
  assert.match(stdout, /dead-lettered events: 1 in 1 flows\n {2}Call\/failing/);
});

test("--json prints the whole report as JSON", async () => {
  const { code, stdout } = await stuck("--redis", server.url, "--grace", "0", "--json");
  assert.is(code, 0);
  const report = JSON.parse(stdout) as { counts: Record<string, number> };
  assert.equal(report.counts, { pastDeadline: 1, orphanedQueues: 1, deadLettered: 1, deadLetteredEvents: 1 });
});

test("--locks: in Redlock mode a queue whose lock the lock servers hold is not orphaned", async () => {
  const lockServer = await startRedis();
  const locks = new Redis(lockServer.url);
  try {
    await seedFlow(redis, new TimerStore(redis), { machine: "Call", flowId: "held", queuedAgoMs: 60_000 });
    await locks.set("fsm:{Call:held}:lock", "redlock-token", "PX", 30_000);
    const orphaned = async (...args: string[]) => {
      const { code, stdout } = await stuck("--redis", server.url, "--json", ...args);
      assert.is(code, 0);
      return (JSON.parse(stdout) as { orphanedQueues: { flowId: string }[] }).orphanedQueues.map((q) => q.flowId);
    };
    assert.equal(await orphaned("--locks", lockServer.url), ["orphan"]);
    assert.equal(await orphaned(), ["held", "orphan"], "without --locks only the lock beside the flow is read");
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
