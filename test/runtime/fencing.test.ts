// Correctness never rests on the lock: a holder that loses it mid-action has its commit refused, and the event applies once.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { forceUnlock } from "../../runtime/ops.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { WorkerPool } from "./support/workers.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
const workers = new WorkerPool();
const LOCK_TTL_MS = 600;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after(async () => {
  await workers.stopAll();
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

const readFlow = async (flowId: string) => {
  const hash = await redis.hgetall(`fsm:{Call:${flowId}}:s`);
  return { version: Number(hash[F.version]), state: hash[F.state], trail: (JSON.parse(hash[F.ctx] ?? "{}") as { trail?: string[] }).trail ?? [] };
};

test("a holder paused past its lock TTL has its commit refused, and the event is applied once by the process that took over", async () => {
  const options = { redis: server.url, lockTtlMs: LOCK_TTL_MS, sweepIntervalMs: 100 };
  const paused = await workers.spawn({ options, reportActions: true });
  await paused.start("fence-1");
  await paused.send("fence-1", { type: "Answered" });
  await waitFor("the call is answered", async () => (await readFlow("fence-1")).version === 2);

  const working = new Promise<void>((resolve) => paused.on((m) => m.kind === "action" && m.name === "work" && resolve()));
  await paused.send("fence-1", { type: "Work", ms: 800 });
  await working;
  paused.kill("SIGSTOP"); // a GC pause or a frozen VM: no heartbeat, no timers

  await pool.call(options);
  const taken = await waitFor("another process to apply the event", async () => {
    const flow = await readFlow("fence-1");
    return flow.version === 3 ? flow : undefined;
  });
  assert.equal(taken.trail, ["greet:Answered", "work:800"]);

  paused.kill("SIGCONT");
  await waitFor("the paused holder's commit to be refused", async () => (await paused.metrics()).staleCommits === 1);
  const after = await readFlow("fence-1");
  assert.is(after.version, 3, "the stale commit wrote nothing");
  assert.equal(after.trail, ["greet:Answered", "work:800"], "the event was applied exactly once");
  assert.is(await redis.llen("fsm:{Call:fence-1}:q"), 0);
});

test("a force-release fences the holder: its commit is refused and the next holder applies the event", async () => {
  let releaseGate!: () => void;
  const gate = new Promise<void>((resolve) => (releaseGate = resolve));
  let entered!: () => void;
  const inAction = new Promise<void>((resolve) => (entered = resolve));
  const { runtime: zombie, client: zombieCall } = await pool.call(
    { redis: server.url, lockTtlMs: 5_000, sweepIntervalMs: 60_000 },
    {
      onAction: async (name) => {
        if (name !== "work") return;
        entered();
        await gate;
      },
    },
  );
  await zombieCall.start("fence-2", { caller: "a" });
  await zombieCall.send("fence-2", { type: "Answered" });
  await zombieCall.send("fence-2", { type: "Work", ms: 1 });
  await inAction;

  const { epoch } = await forceUnlock(redis, "Call", "fence-2");
  assert.ok(epoch > 1);
  await pool.call({ redis: server.url, lockTtlMs: 5_000, sweepIntervalMs: 50 });
  await waitFor("the new holder to apply the event", async () => (await readFlow("fence-2")).version === 3);

  releaseGate();
  await waitFor("the zombie's commit to be refused", () => zombie.metrics().staleCommits === 1);
  const flow = await readFlow("fence-2");
  assert.is(flow.version, 3);
  assert.equal(flow.trail, ["greet:Answered", "work:1"]);
});

test("a heartbeat keeps the lock of an action that runs for several lock TTLs: nobody takes the flow over", async () => {
  const options = { redis: server.url, lockTtlMs: 300, sweepIntervalMs: 50 };
  const { runtime: holder, client: call } = await pool.call(options);
  const { runtime: rival } = await pool.call(options);
  await call.start("beat-1", { caller: "a" });
  await call.send("beat-1", { type: "Answered" });
  await call.send("beat-1", { type: "Work", ms: 1_200 });
  await waitFor("the long action to commit", async () => (await readFlow("beat-1")).version === 3, 5_000);
  assert.equal((await readFlow("beat-1")).trail, ["greet:Answered", "work:1200"]);
  assert.is(rival.metrics().swept, 0, "the rival never got the lock");
  assert.is(holder.metrics().staleCommits, 0);
});

test.run();
