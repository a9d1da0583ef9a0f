// The watchdog: flows past their deadline, orphaned queues and dead letters are listed, and overdue deadlines are redelivered.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TimerService, TimerStore, type DueTimer } from "../../runtime/timers/index.js";
import { listStuckFlows, startWatchdog, type StuckFlows } from "../../runtime/watchdog.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { seedFlow } from "./timers-support/flows.js";

let server: RedisServer;
let redis: Redis;
let store: TimerStore;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  store = new TimerStore(redis);
});

test.before.each(async () => {
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("an active flow past its deadline by more than the grace is listed", async () => {
  await seedFlow(redis, store, { machine: "Call", flowId: "late", deadlineMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 40));
  const report = await listStuckFlows(redis, { graceMs: 20 });
  assert.equal(
    report.pastDeadline.map((f) => [f.machine, f.flowId, f.state]),
    [["Call", "late", "Ringing"]],
  );
  assert.ok(report.pastDeadline[0]!.overdueMs > 20);
  assert.is(report.counts.pastDeadline, 1);
});

test("a past deadline is listed with the due time its packed value holds", async () => {
  const { deadline } = await seedFlow(redis, store, { machine: "Call", flowId: "late-packed", deadlineMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 40));
  const report = await listStuckFlows(redis, { graceMs: 20 });
  assert.equal(
    report.pastDeadline.map((f) => [f.flowId, f.due]),
    [["late-packed", deadline.due]],
  );
});

test("a deadline overdue by less than the grace, or of an ended flow, is not listed", async () => {
  await seedFlow(redis, store, { machine: "Call", flowId: "just-due", deadlineMs: 10 });
  await seedFlow(redis, store, { machine: "Call", flowId: "ended", deadlineMs: 10, status: "ended" });
  await new Promise((resolve) => setTimeout(resolve, 40));
  const report = await listStuckFlows(redis, { graceMs: 10_000 });
  assert.is(report.pastDeadline.length, 0);
  const strict = await listStuckFlows(redis, { graceMs: 0 });
  assert.equal(
    strict.pastDeadline.map((f) => f.flowId),
    ["just-due"],
  );
});

test("redeliver makes a past deadline due again, and the timer service delivers it", async () => {
  const { deadline } = await seedFlow(redis, store, { machine: "Call", flowId: "lost", deadlineMs: 10 });
  // The deadline timer was delivered and acked, but the flow never ended (its event was lost).
  await redis.zrem(deadline.key, deadline.member);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const report = await listStuckFlows(redis, { graceMs: 0, redeliver: true });
  assert.ok(report.pastDeadline[0]?.redelivered);
  const delivered: DueTimer[] = [];
  const service = new TimerService(redis, store, async (t) => void delivered.push(t), { pollMs: 10 });
  service.start();
  try {
    const limit = Date.now() + 3_000;
    while (delivered.length === 0 && Date.now() < limit) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    await service.stop();
  }
  assert.equal(
    delivered.map((t) => [t.kind, t.flowId]),
    [["deadline", "lost"]],
  );
});

test("redeliver leaves a deadline that is still in its shard as it is", async () => {
  const { deadline } = await seedFlow(redis, store, { machine: "Call", flowId: "pending", deadlineMs: 10 });
  // Leased to a live claimer until far in the future: redelivering must not make it due early.
  await redis.zadd(deadline.key, Date.now() + 60_000, deadline.member);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const report = await listStuckFlows(redis, { graceMs: 0, redeliver: true });
  assert.is(report.pastDeadline[0]?.redelivered, false);
  assert.ok(Number(await redis.zscore(deadline.key, deadline.member)) > Date.now() + 50_000);
});

test("a queue whose oldest event waited longer than the lock TTL with no lock is orphaned", async () => {
  await seedFlow(redis, store, { machine: "Call", flowId: "orphan", queuedAgoMs: 5_000 });
  const report = await listStuckFlows(redis, { lockTtlMs: 1_000 });
  assert.equal(
    report.orphanedQueues.map((q) => [q.flowId, q.queued]),
    [["orphan", 1]],
  );
  assert.ok(report.orphanedQueues[0]!.oldestMs >= 5_000);
});

test("a queue with a live lock, or younger than the lock TTL, is not orphaned", async () => {
  await seedFlow(redis, store, { machine: "Call", flowId: "owned", queuedAgoMs: 5_000, locked: true });
  await seedFlow(redis, store, { machine: "Call", flowId: "fresh", queuedAgoMs: 100 });
  const report = await listStuckFlows(redis, { lockTtlMs: 1_000 });
  assert.is(report.orphanedQueues.length, 0);
});

test("with lock servers, a queue is orphaned only when no quorum of them holds its lock", async () => {
  const lockServer = await startRedis();
  const locks = new Redis(lockServer.url);
  try {
    await seedFlow(redis, store, { machine: "Call", flowId: "quorum-held", queuedAgoMs: 5_000 });
    await seedFlow(redis, store, { machine: "Call", flowId: "quorum-free", queuedAgoMs: 5_000 });
    await locks.set("fsm:{Call:quorum-held}:lock", "owner", "PX", 30_000);
    const report = await listStuckFlows(redis, { lockTtlMs: 1_000, lockServers: [locks] });
    assert.equal(
      report.orphanedQueues.map((q) => q.flowId),
      ["quorum-free"],
    );
  } finally {
    locks.disconnect();
    await lockServer.stop({ cleanup: true });
  }
});

test("dead-lettered events are listed with their records and counted", async () => {
  await seedFlow(redis, store, {
    machine: "Call",
    flowId: "failing",
    deadLetters: [
      { seq: 2, error: "boom" },
      { seq: 3, error: "boom" },
    ],
  });
  const report = await listStuckFlows(redis);
  assert.equal(report.deadLettered, [
    {
      machine: "Call",
      flowId: "failing",
      events: [
        { seq: 2, error: "boom" },
        { seq: 3, error: "boom" },
      ],
    },
  ]);
  assert.is(report.counts.deadLetteredEvents, 2);
});

test("a healthy flow is in no list", async () => {
  await seedFlow(redis, store, { machine: "Call", flowId: "fine", deadlineMs: 60_000 });
  const report = await listStuckFlows(redis, { graceMs: 0 });
  assert.equal(report.counts, { pastDeadline: 0, orphanedQueues: 0, hungHolders: 0, unrunnable: 0, deadLettered: 0, deadLetteredEvents: 0 });
});

test("the periodic watchdog reports its counts and redelivers overdue deadlines by itself", async () => {
  const { deadline } = await seedFlow(redis, store, { machine: "Call", flowId: "forgotten", deadlineMs: 10 });
  await redis.zrem(deadline.key, deadline.member);
  const reports: StuckFlows[] = [];
  const stop = startWatchdog(redis, { intervalMs: 50, graceMs: 0, onReport: (r) => reports.push(r) });
  try {
    const limit = Date.now() + 3_000;
    while (reports.length === 0 && Date.now() < limit) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    await stop();
  }
  assert.is(reports[0]?.counts.pastDeadline, 1);
  assert.ok(await redis.zscore(deadline.key, deadline.member), "the deadline is back in its shard");
});

test.run();
