// Timers through FlowRuntime across real processes: a SIGKILLed process's timers still fire exactly once per flow, and thousands of timers over 2 processes are none lost, none applied twice.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startRedis, type RedisServer } from "../support/redis.js";
import type { TimedContext } from "./timers-support/machines.js";
import { startServiceProcess, type ServiceProcess } from "./timers-support/processes.js";
import { forkRuntime, type RuntimeProcess } from "./timers-support/runtimes.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { timerShardKey } from "../../runtime/timers/member.js";
import { until } from "./timers-support/shards.js";

let server: RedisServer;
let redis: Redis;
const children: (RuntimeProcess | ServiceProcess)[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const flowIds = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

const HELD_SHARDS = 16;
const heldShardKeys = Array.from({ length: HELD_SHARDS }, (_, shard) => timerShardKey("Burst", shard));

/** Timers armed or leased in the Burst machine's shards. */
async function burstTimers(): Promise<number> {
  let total = 0;
  for (const key of heldShardKeys) total += await redis.zcard(key);
  return total;
}

/** Makes every Burst timer due now (its score is its due time, Redis clock); returns how many. */
async function makeBurstTimersDue(): Promise<number> {
  const [seconds, micros] = await redis.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  let count = 0;
  for (const key of heldShardKeys) {
    const members = await redis.zrange(key, "0", "-1");
    if (members.length === 0) continue;
    count += members.length;
    const pipeline = redis.pipeline();
    for (const member of members) pipeline.zadd(key, "XX", now, member);
    await pipeline.exec();
  }
  return count;
}

/** `fired` of each flow's committed context (0 for a flow not found). */
async function firedCounts(ids: readonly string[]): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 1_000)) pipeline.hget(`fsm:{Burst:${id}}:s`, F.ctx);
    const replies = (await pipeline.exec()) ?? [];
    for (const [, ctx] of replies) counts.push(typeof ctx === "string" ? (JSON.parse(ctx) as TimedContext).fired : 0);
  }
  return counts;
}

/** Waits until every flow's timer was applied, then a little longer so a second application would show. */
async function settledCounts(ids: readonly string[], timeoutMs: number): Promise<number[]> {
  const limit = Date.now() + timeoutMs;
  for (;;) {
    const counts = await firedCounts(ids);
    const missing = counts.filter((n) => n === 0).length;
    if (missing === 0) break;
    if (Date.now() > limit) throw new Error(`${missing} of ${ids.length} flows never had their timer applied`);
    await sleep(100);
  }
  await sleep(500);
  return firedCounts(ids);
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after.each(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("a process SIGKILLed while holding claimed timers: every flow's timer still fires exactly once", async () => {
  // No race decides who claims what. The timers are armed an hour ahead by a runtime that then stops
  // (nothing is due while it runs), and made due by the test only once the holder is the one claimer
  // running. The holder claims like any timer service but its delivery blocks: it prints each timer
  // it claimed and never delivers it. When it has printed every one, it holds them all undelivered
  // and is SIGKILLed; only then does a runtime start, which must deliver each after the lease, once.
  const ids = flowIds("held", 100);
  const starter = await forkRuntime(server.url, { timerShards: HELD_SHARDS, timerMs: 3_600_000 });
  children.push(starter);
  await starter.startFlows("held", 0, ids.length);
  await until(async () => (await burstTimers()) === ids.length, 10_000);
  await starter.stop();

  const holder = await startServiceProcess(server.url, "hold", 500, { shards: HELD_SHARDS });
  children.push(holder);
  assert.is(await makeBurstTimersDue(), ids.length);
  const claimedByHolder = () => new Set(holder.lines.filter((l) => l.startsWith("claimed ")));
  await until(() => claimedByHolder().size === ids.length, 10_000);
  assert.equal(
    await firedCounts(ids),
    ids.map(() => 0),
    "the holder delivered nothing",
  );
  await holder.kill();

  const runtime = await forkRuntime(server.url, { timerShards: HELD_SHARDS, timerMs: 3_600_000 });
  children.push(runtime);
  const counts = await settledCounts(ids, 10_000);
  assert.ok(
    counts.every((n) => n === 1),
    `fired counts other than 1: ${JSON.stringify(counts.filter((n) => n !== 1))}`,
  );
  await until(async () => (await burstTimers()) === 0, 10_000); // every delivered timer acked: none left to deliver again
});

test("a runtime process SIGKILLed mid-stream: the other one fires every remaining timer, each applied once", async () => {
  const a = await forkRuntime(server.url);
  const b = await forkRuntime(server.url);
  children.push(a, b);
  const ids = flowIds("crash", 400);
  await Promise.all([a.startFlows("crash", 0, 200), b.startFlows("crash", 200, 400)]);
  const limit = Date.now() + 5_000;
  while ((await redis.hlen("test:fired")) < 100 && Date.now() < limit) await sleep(5);
  await a.kill();
  const counts = await settledCounts(ids, 20_000);
  assert.ok(
    counts.every((n) => n === 1),
    `fired counts other than 1: ${JSON.stringify(counts.filter((n) => n !== 1))}`,
  );
});

// The same count as the timer service test (timers-processes.test.ts), here applied through FlowRuntime:
// each timer also costs a start and two commits, and its side effect is counted once per flow.
test("10,000 flows' timers across 2 runtime processes: none lost, none applied twice", async () => {
  const a = await forkRuntime(server.url);
  const b = await forkRuntime(server.url);
  children.push(a, b);
  const ids = flowIds("bulk", 10_000);
  await Promise.all([a.startFlows("bulk", 0, 5_000), b.startFlows("bulk", 5_000, 10_000)]);
  const counts = await settledCounts(ids, 90_000);
  assert.is(counts.filter((n) => n === 0).length, 0, "lost");
  assert.is(counts.filter((n) => n > 1).length, 0, "applied twice");
  const sideEffects = Object.values(await redis.hgetall("test:fired")).map(Number);
  assert.is(sideEffects.length, 10_000);
  await Promise.all([a.stop(), b.stop()]);
});

test.run();
