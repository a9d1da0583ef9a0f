// The watchdog as a started runtime runs it: its findings in metrics(), lost deadlines redelivered, Redlock locks read on the lock servers.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime, listStuckFlows } from "../../runtime/index.js";
import { inspectFlow } from "../../runtime/ops.js";
import { TimerStore } from "../../runtime/timers/index.js";
import { Dial, dialHandlers } from "./fixtures/dial.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { seedFlow } from "./timers-support/flows.js";

let server: RedisServer;
let lockServer: RedisServer;
let redis: Redis;
let locks: Redis;
const pool = new RuntimePool();

/** Dial with a 2 s deadline: long enough to take its timer away before it is due. */
const SlowDial = { ...Dial, deadline: { ...Dial.deadline!, ms: 2_000 } } as typeof Dial;

test.before(async () => {
  [server, lockServer] = await Promise.all([startRedis(), startRedis()]);
  redis = new Redis(server.url);
  locks = new Redis(lockServer.url);
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  locks.disconnect();
  await Promise.all([server.stop({ cleanup: true }), lockServer.stop({ cleanup: true })]);
});

test("a runtime's metrics report a flow whose deadline timer was lost, and its watchdog redelivers the deadline", async () => {
  const runtime = pool.add(new FlowRuntime({ redis: server.url, timerPollMs: 20, timerLeaseMs: 300, watchdogIntervalMs: 100 }));
  const dial = runtime.register(SlowDial, dialHandlers());
  await runtime.start();
  await dial.start("lost-deadline", {});
  await dial.send("lost-deadline", { type: "Answered" });
  const { deadline } = await waitFor("the deadline to be recorded", async () => {
    const flow = await inspectFlow(redis, "Dial", "lost-deadline");
    return flow.state === "Talking" ? flow : undefined;
  });
  assert.ok(deadline, "the flow records its armed deadline");
  assert.is(await redis.zrem(deadline!.key, deadline!.member), 1, "the deadline timer was still armed");

  const seen = await waitFor(
    "the watchdog to report the flow past its deadline",
    () => {
      const { watchdog } = runtime.metrics();
      return watchdog.pastDeadline === 1 && watchdog.redelivered === 1 ? watchdog : undefined;
    },
    8_000,
    5,
  );
  assert.ok(seen.scans > 0 && seen.lastScanAt >= deadline!.due!);
  const ended = await waitFor("the redelivered deadline to end the flow", async () => {
    const flow = await dial.get("lost-deadline");
    return flow?.state === "TimedOut" ? flow : undefined;
  });
  assert.equal(ended.context.trail, ["ring:fsm.start", "timeout:fsm.deadline"]);
  await waitFor("a later scan to find nothing past its deadline", () => runtime.metrics().watchdog.pastDeadline === 0);
  assert.ok(runtime.metrics().timers.delivered >= 1, "the timer service's stats are part of the metrics");
  await pool.closeAll();
});

test("Redlock mode: a queue whose lock a quorum of lock servers holds is not orphaned; one whose lock none holds is", async () => {
  await redis.flushall();
  const store = new TimerStore(redis);
  await seedFlow(redis, store, { machine: "Call", flowId: "held", queuedAgoMs: 60_000 });
  await seedFlow(redis, store, { machine: "Call", flowId: "dropped", queuedAgoMs: 60_000 });
  await locks.set("fsm:{Call:held}:lock", "redlock-token", "PX", 30_000);

  const withLocks = await listStuckFlows(redis, { lockServers: [locks] });
  assert.equal(
    withLocks.orphanedQueues.map((q) => q.flowId),
    ["dropped"],
  );
  // Without the lock servers the lock beside the flow is read, which Redlock mode never writes.
  const without = await listStuckFlows(redis, {});
  assert.equal(
    without.orphanedQueues.map((q) => q.flowId),
    ["dropped", "held"],
  );
});

test("Redlock mode: a runtime's watchdog reads the locks on its lock servers", async () => {
  await redis.flushall();
  const store = new TimerStore(redis);
  await seedFlow(redis, store, { machine: "Other", flowId: "held", queuedAgoMs: 60_000 });
  await seedFlow(redis, store, { machine: "Other", flowId: "dropped", queuedAgoMs: 60_000 });
  await locks.set("fsm:{Other:held}:lock", "redlock-token", "PX", 30_000);
  // No machine named Other is registered: the runtime leaves these queues alone, only its watchdog sees them.
  const { runtime } = await pool.call({ redis: server.url, locks: [lockServer.url], watchdogIntervalMs: 100 });
  const report = await waitFor("a watchdog scan", () => (runtime.metrics().watchdog.scans > 0 ? runtime.metrics().watchdog : undefined));
  assert.is(report.orphanedQueues, 1);
  await pool.closeAll();
});

test.run();
