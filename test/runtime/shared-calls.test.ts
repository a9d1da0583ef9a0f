// Enqueues and commits of different flows issued in the same tick share one script call; each flow's step still stands alone.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime } from "../../runtime/index.js";
import { flowKeys } from "../../runtime/keys.js";
import { HotPathScripts } from "../../runtime/scripts.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { openMonitor } from "./support/monitor.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

/** Script calls (EVAL/EVALSHA) whose arguments name any of `flowIds`, counted with MONITOR while `work` runs. */
async function scriptCallsDuring(flowIds: readonly string[], work: () => Promise<void>): Promise<{ calls: number; enqueueCalls: number }> {
  const monitor = await openMonitor(server.url);
  const tags = flowIds.map((id) => `{Call:${id}}`);
  let calls = 0;
  let enqueueCalls = 0;
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (!/^eval/i.test(args[0] ?? "") || !args.some((a) => tags.some((tag) => a.includes(tag)))) return;
    calls++;
    // An enqueue call's keys come in fours ending with the seen-ids key; a commit's in fives ending with dead letters.
    if (args[6]?.endsWith(":seen") && !args[7]?.endsWith(":dlq")) enqueueCalls++;
  });
  try {
    await work();
  } finally {
    monitor.disconnect();
  }
  return { calls, enqueueCalls };
}

const settled = (client: Awaited<ReturnType<RuntimePool["call"]>>["client"], flowId: string, version: number) =>
  waitFor(`flow ${flowId} at version ${version}`, async () => {
    const flow = await client.get(flowId);
    return flow && flow.version >= version ? flow : undefined;
  });

test("events sent to many flows in the same tick share a few script calls, and every one is acked and applied", async () => {
  const { client } = await pool.call({ redis: server.url });
  const ids = Array.from({ length: 60 }, (_, i) => `shared-${i}`);
  await Promise.all(ids.map((id) => client.start(id, { caller: id })));
  await Promise.all(ids.map((id) => settled(client, id, 1)));
  const { calls, enqueueCalls } = await scriptCallsDuring(ids, async () => {
    await Promise.all(ids.map((id) => client.send(id, { type: "Note", n: 1 })));
    await Promise.all(ids.map((id) => settled(client, id, 2)));
  });
  // Alone, 60 idle flows would cost 60 enqueue calls and 60 commit calls.
  assert.ok(enqueueCalls >= 1 && enqueueCalls <= 2, `enqueue calls: ${enqueueCalls}`);
  assert.ok(calls <= 6, `script calls: ${calls}`);
  for (const id of ids) assert.equal((await client.get(id))?.context.notes, [1], id);
});

test("flowsPerCall: 1 gives every flow's enqueue a call of its own", async () => {
  const { client } = await pool.call({ redis: server.url, flowsPerCall: 1 });
  const ids = Array.from({ length: 10 }, (_, i) => `alone-${i}`);
  await Promise.all(ids.map((id) => client.start(id, { caller: id })));
  await Promise.all(ids.map((id) => settled(client, id, 1)));
  const { enqueueCalls } = await scriptCallsDuring(ids, async () => {
    await Promise.all(ids.map((id) => client.send(id, { type: "Note", n: 1 })));
    await Promise.all(ids.map((id) => settled(client, id, 2)));
  });
  assert.is(enqueueCalls, ids.length);
});

test("a flow whose step fails in a shared call fails only its own send; the others are acked and applied", async () => {
  const { client } = await pool.call({ redis: server.url });
  const ids = Array.from({ length: 8 }, (_, i) => `isolated-${i}`);
  await Promise.all(ids.map((id) => client.start(id, { caller: id })));
  await Promise.all(ids.map((id) => settled(client, id, 1)));
  // A queue key of the wrong type makes RPUSH fail for this one flow.
  const broken = ids[3]!;
  await redis.set(flowKeys("Call", broken).queue, "not a list");
  const outcomes = await Promise.allSettled(ids.map((id) => client.send(id, { type: "Note", n: 5 })));
  outcomes.forEach((outcome, i) => {
    if (ids[i] === broken) {
      assert.is(outcome.status, "rejected");
      assert.match(String((outcome as PromiseRejectedResult).reason), /WRONGTYPE/);
    } else {
      assert.is(outcome.status, "fulfilled", `${ids[i]}: ${String((outcome as PromiseRejectedResult).reason)}`);
    }
  });
  for (const id of ids.filter((id) => id !== broken)) assert.equal((await settled(client, id, 2)).context.notes, [5], id);
  assert.is((await client.get(broken))?.version, 1);
});

test("a commit whose queue head is not the event it applied is refused and leaves the queue as it was", async () => {
  const scripts = new HotPathScripts(redis, {
    ttlMs: 10_000,
    batch: 32,
    seenTtlMs: 60_000,
    seenMax: 100,
    retentionMs: 60_000,
    deadLetterMax: 10,
    flowsPerCall: 16,
    lock: "single",
  });
  // Not started: nothing else drains this flow while the test holds its lock.
  const runtime = pool.add(new FlowRuntime({ redis: server.url }));
  const client = runtime.register(Call, callHandlers());
  await client.start("head-1", { caller: "a" });
  const keys = flowKeys("Call", "head-1");
  const taken = await scripts.enqueue(keys, "", JSON.stringify({ type: "Note", n: 1 }), "holder-token");
  assert.is(taken.kind, "locked");
  if (taken.kind !== "locked") return;
  const before = await redis.lrange(keys.queue, 0, -1);
  assert.is(before.length, 2);
  const reply = await scripts.commit(keys, {
    token: "holder-token",
    epoch: taken.snapshot.epoch,
    expectedVersion: taken.snapshot.version,
    applied: 1,
    pop: 1,
    headSeq: 99,
    state: "Ringing",
    ctxJson: "",
    timersPacked: "",
    deadlinePacked: "",
    ended: false,
    deadLetter: "",
    release: false,
    timerKey: "",
    arm: [],
    cancel: [],
    clearAttempts: false,
    migratedFrom: 0,
    machineVersion: 0,
  });
  assert.is(reply.kind, "stale");
  assert.equal(await redis.lrange(keys.queue, 0, -1), before);
  assert.is(await redis.get(keys.lock), "holder-token");
});

test("a start and a send issued together reach Redis in that order, even with ioredis auto-pipelining on", async () => {
  const { client } = await pool.call({ redis: { host: "127.0.0.1", port: server.port, enableAutoPipelining: true } });
  const ids = Array.from({ length: 20 }, (_, i) => `together-${i}`);
  // Not awaited in between: the send is issued while its flow's start is still on its way.
  await Promise.all(ids.flatMap((id) => [client.start(id, { caller: id }), client.send(id, { type: "Note", n: 1 })]));
  for (const id of ids) assert.equal((await settled(client, id, 2)).context.notes, [1], id);
});

test("flowsPerCall must be a whole number of at least 1", () => {
  assert.throws(() => new FlowRuntime({ redis: server.url, flowsPerCall: 0 }), /flowsPerCall must be a positive number/);
  assert.throws(() => new FlowRuntime({ redis: server.url, flowsPerCall: 2.5 }), /flowsPerCall must be a whole number/);
});

test.run();
