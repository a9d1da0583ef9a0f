// Hung holders: the watchdog lists flows whose lock is held while their queue head waits longer than a healthy holder keeps one event.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { waitFor } from "./support/wait-for.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { DEFAULT_HOLDER_LIMITS, hungHolderAfterMs, listStuckFlows, startWatchdog, type HungHolder, type StuckFlows } from "../../runtime/watchdog.js";

let server: RedisServer;
let redis: Redis;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after.each(async () => {
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

async function redisNow(client: Redis = redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * An active flow in the runtime's key layout whose queue head (seq 7, `type`) was enqueued `headAgoMs`
 * ago by the Redis clock, its lock held by `holder` for `lockMs` more (no lock when `holder` is undefined).
 */
async function seedQueuedFlow(flowId: string, o: { headAgoMs: number; holder?: string; lockMs?: number; type?: string }): Promise<void> {
  const base = `fsm:{Call:${flowId}}`;
  const now = await redisNow();
  await redis.hset(`${base}:s`, { [F.state]: "Talking", [F.ctx]: "{}", [F.version]: 6, [F.epoch]: 3, [F.lastSeq]: 8 });
  await redis.rpush(
    `${base}:q`,
    JSON.stringify({ seq: 7, id: "", at: now - o.headAgoMs, event: { type: o.type ?? "Hangup" } }),
    JSON.stringify({ seq: 8, id: "", at: now, event: { type: "Note" } }),
  );
  if (o.holder !== undefined) await redis.set(`${base}:lock`, o.holder, "PX", o.lockMs ?? 60_000);
}

const hung = (report: StuckFlows) => report.hungHolders.map((h) => h.flowId);

test("hungHolderAfterMs: every attempt at its time limit, the backoffs between them, and a lock TTL", () => {
  // 4 × 1 000 + (500 + min(1 000, 800) + min(2 000, 800)) + 2 000
  assert.is(hungHolderAfterMs({ handlerTimeoutMs: 1_000, maxAttempts: 4, retryBaseMs: 500, retryMaxMs: 800, lockTtlMs: 2_000 }), 8_100);
  assert.is(
    hungHolderAfterMs({ handlerTimeoutMs: 1_000, maxAttempts: 1, retryBaseMs: 500, retryMaxMs: 800, lockTtlMs: 2_000 }),
    3_000,
    "one attempt: no backoff",
  );
  // FlowRuntime's defaults: 5 × 30 000 + (100 + 200 + 400 + 800) + 10 000
  assert.is(hungHolderAfterMs(DEFAULT_HOLDER_LIMITS), 161_500);
});

test("a held lock whose queue head waited past hungAfterMs is a hung holder: token, head seq and type, wait, lock TTL", async () => {
  await seedQueuedFlow("stalled", { headAgoMs: 600_000, holder: "call-host-7:4242:k3j2x9:12", lockMs: 45_000, type: "Hangup" });
  const report = await listStuckFlows(redis, { hungAfterMs: 60_000 });
  assert.is(report.counts.hungHolders, 1);
  const [found] = report.hungHolders as [HungHolder];
  assert.equal(
    { ...found, waitedMs: 0, lockTtlMs: 0 },
    { machine: "Call", flowId: "stalled", holder: "call-host-7:4242:k3j2x9:12", headSeq: 7, headType: "Hangup", waitedMs: 0, lockTtlMs: 0 },
  );
  assert.ok(found.waitedMs >= 600_000 && found.waitedMs < 660_000, `waited ${found.waitedMs}`);
  assert.ok(found.lockTtlMs > 15_000 && found.lockTtlMs <= 45_000, `lock TTL ${found.lockTtlMs}`);
  assert.is(report.counts.orphanedQueues, 0, "a held lock is not an orphaned queue");
});

test("a healthy holder, its head enqueued just now, is not listed", async () => {
  await seedQueuedFlow("healthy", { headAgoMs: 5, holder: "call-host-8:77:a1b2c3:3" });
  await seedQueuedFlow("stalled", { headAgoMs: 600_000, holder: "call-host-7:4242:k3j2x9:12" });
  assert.equal(hung(await listStuckFlows(redis, { hungAfterMs: 60_000 })), ["stalled"]);
});

test("the default hungAfterMs is hungHolderAfterMs of FlowRuntime's defaults (161.5 s)", async () => {
  await seedQueuedFlow("slow-but-alive", { headAgoMs: 150_000, holder: "h:1:a:1" });
  await seedQueuedFlow("stalled", { headAgoMs: 170_000, holder: "h:2:b:1" });
  assert.equal(hung(await listStuckFlows(redis)), ["stalled"]);
});

test("an old head with no lock is an orphaned queue, not a hung holder", async () => {
  await seedQueuedFlow("ownerless", { headAgoMs: 600_000 });
  const report = await listStuckFlows(redis, { hungAfterMs: 60_000 });
  assert.equal(hung(report), []);
  assert.equal(
    report.orphanedQueues.map((q) => q.flowId),
    ["ownerless"],
  );
});

test('Redlock mode: held on a quorum of the lock servers, holder "redlock", TTL until fewer than a quorum hold it', async () => {
  const a = await startRedis();
  const b = await startRedis();
  const lockA = new Redis(a.url);
  const lockB = new Redis(b.url);
  // A third lock server that is down holds nothing: the other two are the quorum of three.
  const down = new Redis({ port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  try {
    await seedQueuedFlow("stalled", { headAgoMs: 600_000 });
    await seedQueuedFlow("minority", { headAgoMs: 600_000 });
    await lockA.set("fsm:{Call:stalled}:lock", "redlock-token", "PX", 50_000);
    await lockB.set("fsm:{Call:stalled}:lock", "redlock-token", "PX", 30_000);
    await lockA.set("fsm:{Call:minority}:lock", "redlock-token", "PX", 50_000);
    const report = await listStuckFlows(redis, { hungAfterMs: 60_000, lockServers: [lockA, lockB, down] });
    assert.equal(
      report.hungHolders.map((h) => [h.flowId, h.holder]),
      [["stalled", "redlock"]],
    );
    const ttl = report.hungHolders[0]!.lockTtlMs;
    assert.ok(ttl > 25_000 && ttl <= 30_000, `the quorum holds it until the shorter TTL of the two: ${ttl}`);
    assert.equal(
      report.orphanedQueues.map((q) => q.flowId),
      ["minority"],
      "one server of three is no quorum",
    );
  } finally {
    lockA.disconnect();
    lockB.disconnect();
    down.disconnect();
    await Promise.all([a.stop({ cleanup: true }), b.stop({ cleanup: true })]);
  }
});

test("startWatchdog passes hungAfterMs to its scans and reports hung holders in each report", async () => {
  await seedQueuedFlow("stalled", { headAgoMs: 600_000, holder: "call-host-7:4242:k3j2x9:12" });
  await seedQueuedFlow("healthy", { headAgoMs: 5, holder: "call-host-8:77:a1b2c3:3" });
  const reports: StuckFlows[] = [];
  const stop = startWatchdog(redis, { intervalMs: 20, hungAfterMs: 60_000, onReport: (report) => reports.push(report) });
  try {
    const report = await waitFor("a watchdog scan", () => reports[0]);
    assert.equal(hung(report), ["stalled"]);
    assert.is(report.counts.hungHolders, 1);
  } finally {
    await stop();
  }
});

test.run();
