// Timers and the deadline through FlowRuntime: ordered with user events, cancelled on leave, re-armed on self-transition, once per entry when internal, and the deadline ends a silent flow.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FlowRuntime, type FlowClient } from "../../runtime/index.js";
import { decodeTimerMember, TimerStore } from "../../runtime/timers/index.js";
import { listStuckFlows } from "../../runtime/watchdog.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import {
  loopingMachine,
  silentMachine,
  tickingMachine,
  timedHandlers,
  waitingMachine,
  type TimedContext,
  type TimedMachine,
} from "./timers-support/machines.js";

let server: RedisServer;
let redis: Redis;
let runtime: FlowRuntime;
let waiting: FlowClient<TimedMachine>;
let ordered: FlowClient<TimedMachine>;
let looping: FlowClient<TimedMachine>;
let ticking: FlowClient<TimedMachine>;
let silent: FlowClient<TimedMachine>;
let flows = 0;
const nextFlow = () => `flow-${++flows}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const limit = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > limit) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

async function timersOf(machine: string, flowId: string): Promise<string[]> {
  const store = new TimerStore(redis);
  const members = await redis.zrange(store.keyOf(machine, flowId), "0", "-1");
  return members.filter((m) => decodeTimerMember(m)?.flowId === flowId);
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  runtime = new FlowRuntime({ redis: server.url, timerPollMs: 20, lockTtlMs: 2_000 });
  waiting = runtime.register(waitingMachine("Waits", 150), timedHandlers());
  ordered = runtime.register(waitingMachine("Ordered", 300), timedHandlers());
  looping = runtime.register(loopingMachine("Loops", 60), timedHandlers({ loops: 3 }));
  ticking = runtime.register(tickingMachine("Ticks", 50), timedHandlers());
  silent = runtime.register(silentMachine("Silent", 200), timedHandlers());
  await runtime.start();
});

test.after(async () => {
  await runtime.close();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("an event acked before the timer's due time is applied before the timer, even while it is still being processed", async () => {
  const id = nextFlow();
  await ordered.start(id, {});
  await until(
    () => timersOf("Ordered", id),
    (m) => m.length === 1,
  );
  // Acked well before the timer is due; its action runs past the due time, so the timer's event
  // is queued while it runs and must wait behind it.
  await ordered.send(id, { type: "Poke", ms: 400 });
  const flow = await until(
    () => ordered.get(id),
    (f) => f?.state === "Done",
  );
  assert.equal((flow!.context as TimedContext).trail, ["work:Poke", "fire:fsm.timer:Waiting/300ms:Waiting"]);
});

test("a timer clause's action receives a timer event naming the timer and its state", async () => {
  const id = nextFlow();
  await waiting.start(id, {});
  const flow = await until(
    () => waiting.get(id),
    (f) => f?.state === "Done",
  );
  assert.equal((flow!.context as TimedContext).trail, ["fire:fsm.timer:Waiting/150ms:Waiting"]);
});

test("leaving a state cancels its timer: it never fires and its member leaves the shard", async () => {
  const id = nextFlow();
  await waiting.start(id, {});
  await until(
    () => timersOf("Waits", id),
    (m) => m.length === 1,
  );
  await waiting.send(id, { type: "Leave" });
  await until(
    () => timersOf("Waits", id),
    (m) => m.length === 0,
  );
  await sleep(250);
  const flow = await waiting.get(id);
  assert.is(flow!.state, "Elsewhere");
  assert.equal((flow!.context as TimedContext).trail, ["note:Leave"]);
});

test("a timer of a state that was left has no effect when it fires anyway", async () => {
  const id = nextFlow();
  await waiting.start(id, {});
  const [member] = await until(
    () => timersOf("Waits", id),
    (m) => m.length === 1,
  );
  await waiting.send(id, { type: "Leave" });
  await until(
    () => timersOf("Waits", id),
    (m) => m.length === 0,
  );
  // As if the cancel had been lost: the old member comes due again.
  const dropped = runtime.metrics().droppedTimers;
  await redis.zadd(new TimerStore(redis).keyOf("Waits", id), 0, member!);
  await until(
    async () => runtime.metrics().droppedTimers,
    (n) => n > dropped,
  );
  const flow = await waiting.get(id);
  assert.is(flow!.state, "Elsewhere");
  assert.equal((flow!.context as TimedContext).fired, 0);
});

test("an event self-transition re-arms the timer from the new entry", async () => {
  const id = nextFlow();
  await waiting.start(id, {});
  await sleep(100);
  await waiting.send(id, { type: "Again" });
  const againAt = Date.now();
  // Without re-arming it would fire ~50 ms from now; re-armed, not before 150 ms after Again.
  await sleep(90);
  assert.is((await waiting.get(id))!.state, "Waiting");
  await until(
    () => waiting.get(id),
    (f) => f?.state === "Done",
  );
  assert.ok(Date.now() - againAt >= 150);
  assert.equal(((await waiting.get(id))!.context as TimedContext).trail, ["note:Again", "fire:fsm.timer:Waiting/150ms:Waiting"]);
});

test("a timer's own self-transition re-arms it: it fires once per entry until its guard ends the loop", async () => {
  const id = nextFlow();
  await looping.start(id, {});
  const flow = await until(
    () => looping.get(id),
    (f) => f?.state === "Done",
  );
  assert.is((flow!.context as TimedContext).fired, 3);
});

test("an internal timer fires once per entry of its state, not repeatedly", async () => {
  const id = nextFlow();
  await ticking.start(id, {});
  await until(
    () => ticking.get(id),
    (f) => (f?.context as TimedContext | undefined)?.fired === 1,
  );
  await sleep(200);
  assert.is(((await ticking.get(id))!.context as TimedContext).fired, 1);
  await ticking.send(id, { type: "Again" });
  await until(
    () => ticking.get(id),
    (f) => (f?.context as TimedContext | undefined)?.fired === 2,
  );
  await sleep(200);
  const flow = await ticking.get(id);
  assert.is((flow!.context as TimedContext).fired, 2);
  assert.is(flow!.state, "Idle");
});

test("the deadline ends a flow that receives nothing, and its action receives the deadline event", async () => {
  const id = nextFlow();
  await silent.start(id, {});
  const flow = await until(
    () => silent.get(id),
    (f) => f?.status === "ended",
  );
  assert.is(flow!.state, "TimedOut");
  assert.equal((flow!.context as TimedContext).trail, ["onDeadline:fsm.deadline:200"]);
});

test("a flow that ends before its deadline has its deadline cancelled", async () => {
  const id = nextFlow();
  await silent.start(id, {});
  await until(
    () => timersOf("Silent", id),
    (m) => m.length === 1,
  );
  await silent.send(id, { type: "Leave" });
  await until(
    () => timersOf("Silent", id),
    (m) => m.length === 0,
  );
  assert.is((await silent.get(id))!.state, "Done");
});

test("the watchdog lists a flow whose deadline timer was lost, and its redelivery ends the flow", async () => {
  const id = nextFlow();
  await silent.start(id, {});
  const [member] = await until(
    () => timersOf("Silent", id),
    (m) => m.length === 1,
  );
  await redis.zrem(new TimerStore(redis).keyOf("Silent", id), member!);
  await sleep(300);
  assert.is((await silent.get(id))!.status, "active");
  const report = await listStuckFlows(redis, { graceMs: 50, redeliver: true });
  assert.equal(
    report.pastDeadline.map((f) => [f.machine, f.flowId, f.redelivered]),
    [["Silent", id, true]],
  );
  const flow = await until(
    () => silent.get(id),
    (f) => f?.status === "ended",
  );
  assert.is(flow!.state, "TimedOut");
  assert.is((await listStuckFlows(redis, { graceMs: 50 })).counts.pastDeadline, 0);
});

test.run();
