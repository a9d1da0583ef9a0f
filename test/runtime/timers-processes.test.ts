// TimerService across real processes: a SIGKILLed claimer's timers are delivered by another after the lease, and 10,000 timers over 2 processes are each delivered once.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TimerStore, type ArmedTimer } from "../../runtime/timers/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { startServiceProcess, type ServiceProcess } from "./timers-support/processes.js";
import { timersLeft, until } from "./timers-support/shards.js";

let server: RedisServer;
let redis: Redis;
let store: TimerStore;
const processes: ServiceProcess[] = [];

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  store = new TimerStore(redis);
});

test.after.each(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("timers claimed by a process that is SIGKILLed are delivered by another once the lease ends", async () => {
  const holder = await startServiceProcess(server.url, "hold", 400);
  const armed: ArmedTimer[] = [];
  for (let i = 0; i < 20; i++) armed.push(...(await store.arm("M", `flow-${i}`, "1.1", [{ id: "Waiting/10ms", state: "Waiting", ms: 10, kind: "timer" }])));
  await holder.waitFor(/^claimed /);
  await until(async () => holder.lines.filter((l) => l.startsWith("claimed ")).length === armed.length, 5_000);
  await holder.kill();
  const killedAt = Date.now();
  const recorder = await startServiceProcess(server.url, "record", 400);
  processes.push(recorder);
  await until(async () => (await redis.hlen("test:deliveries")) === armed.length && (await timersLeft(redis, store)) === 0, 10_000);
  const counts = await redis.hgetall("test:deliveries");
  assert.equal(Object.keys(counts).sort(), armed.map((a) => a.member).sort());
  assert.ok(
    Object.values(counts).every((n) => n === "1"),
    "a timer was delivered twice",
  );
  assert.ok(Date.now() - killedAt < 5_000);
});

test("10,000 timers across 2 processes: every one delivered and acked exactly once", async () => {
  const a = await startServiceProcess(server.url, "record", 5_000);
  const b = await startServiceProcess(server.url, "record", 5_000);
  processes.push(a, b);
  const members: string[] = [];
  const pipeline: Promise<ArmedTimer[]>[] = [];
  for (let i = 0; i < 10_000; i++) {
    // Due times spread over about a second, armed while both services already run.
    pipeline.push(store.arm("Bulk", `flow-${i}`, "1.1", [{ id: "Waiting/t", state: "Waiting", ms: 200 + (i % 1000), kind: "timer" }]));
    if (pipeline.length === 500) members.push(...(await Promise.all(pipeline.splice(0))).flat().map((t) => t.member));
  }
  members.push(...(await Promise.all(pipeline)).flat().map((t) => t.member));
  await until(async () => (await redis.hlen("test:deliveries")) === 10_000 && (await timersLeft(redis, store)) === 0, 30_000);
  const [statsA, statsB] = await Promise.all([a.stop(), b.stop()]);
  const counts = await redis.hgetall("test:deliveries");
  const duplicates = Object.values(counts).filter((n) => n !== "1").length;
  assert.is(duplicates, 0, "deliveries counted more than once");
  assert.equal(Object.keys(counts).sort(), members.sort());
  assert.is(statsA!.acked! + statsB!.acked!, 10_000);
  assert.is(statsA!.ackMissed! + statsB!.ackMissed!, 0);
  assert.ok(statsA!.delivered! > 0 && statsB!.delivered! > 0, "both processes should deliver");
});

test.run();
