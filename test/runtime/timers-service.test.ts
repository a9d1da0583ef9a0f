// TimerService in one process: due timers are delivered once, in due order per flow, acked, retried after a failed delivery, and claimed by one service only.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TimerService, TimerStore, type DueTimer, type TimerSpec } from "../../runtime/timers/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { timersLeft, until } from "./timers-support/shards.js";

let server: RedisServer;
let redis: Redis;
let store: TimerStore;
const services: TimerService[] = [];

const spec = (id: string, ms: number): TimerSpec => ({ id: `Waiting/${id}`, state: "Waiting", ms, kind: "timer" });

function startService(deliver: (timer: DueTimer) => Promise<void>, options: ConstructorParameters<typeof TimerService>[3] = {}): TimerService {
  const service = new TimerService(redis, store, deliver, { pollMs: 20, ...options });
  services.push(service);
  service.start();
  return service;
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  store = new TimerStore(redis, { machines: ["M"] });
});

test.after.each(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("a due timer is delivered once, then acked out of its shard", async () => {
  const delivered: DueTimer[] = [];
  const [armed] = await store.arm("M", "f1", "1.1", [spec("50ms", 50)]);
  const service = startService(async (t) => void delivered.push(t));
  await until(() => service.stats.acked === 1);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(delivered.length, 1);
  assert.is(delivered[0]!.member, armed!.member);
  // The member holds no time: the due time handed over is the score the claim found.
  assert.is(delivered[0]!.due, armed!.due);
  assert.is(await redis.zscore(armed!.key, armed!.member), null);
});

test("a service claims only from the shards of the machines its store knows", async () => {
  const other = new TimerStore(redis);
  const [foreign] = await other.arm("Elsewhere", "f0", "1.1", [spec("10ms", 10)]);
  const delivered: DueTimer[] = [];
  const service = startService(async (t) => void delivered.push(t));
  await store.arm("M", "f0", "1.1", [spec("10ms", 10)]);
  await until(() => service.stats.acked === 1);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(
    delivered.map((t) => t.machine),
    ["M"],
  );
  assert.ok(await redis.zscore(foreign!.key, foreign!.member), "the other machine's timer is left to processes that know it");
  store.addMachine("Elsewhere");
  await until(() => delivered.length === 2);
  assert.equal(
    delivered.map((t) => [t.machine, t.flowId, t.timer, t.entry]),
    [
      ["M", "f0", "10ms", "1.1"],
      ["Elsewhere", "f0", "10ms", "1.1"],
    ],
  );
});

test("a timer is not delivered before its due time", async () => {
  const deliveredAt: number[] = [];
  const [armed] = await store.arm("M", "f2", "1.1", [spec("150ms", 150)]);
  startService(async () => void deliveredAt.push(Date.now()));
  await until(() => deliveredAt.length === 1);
  const [seconds, micros] = await redis.time();
  const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  // Delivery happened no earlier than due (Redis clock; the local clock reads the same machine's time).
  const due = armed!.due!;
  assert.ok(deliveredAt[0]! >= due - 2, `delivered ${due - deliveredAt[0]!} ms early`);
  assert.ok(redisNow >= due);
});

test("timers of one flow are delivered in due order", async () => {
  const order: string[] = [];
  await store.arm("M", "f3", "1.1", [spec("90ms", 90), spec("30ms", 30), spec("60ms", 60)]);
  startService(async (t) => {
    await new Promise((resolve) => setTimeout(resolve, t.timer === "30ms" ? 80 : 1));
    order.push(t.timer);
  });
  await until(() => order.length === 3);
  assert.equal(order, ["30ms", "60ms", "90ms"]);
});

test("a delivery that throws is not acked, and is delivered again when its lease ends", async () => {
  let attempts = 0;
  const [armed] = await store.arm("M", "f4", "1.1", [spec("10ms", 10)]);
  const service = startService(
    async () => {
      attempts++;
      if (attempts === 1) throw new Error("queue unavailable");
    },
    { leaseMs: 200 },
  );
  await until(() => attempts === 1);
  assert.ok(await redis.zscore(armed!.key, armed!.member), "still stored after the failed delivery");
  await until(() => service.stats.acked === 1);
  assert.is(attempts, 2);
  assert.is(service.stats.deliverFailed, 1);
});

test("two services never both claim the same timer", async () => {
  const counts = new Map<string, number>();
  const count = async (t: DueTimer) => void counts.set(t.member, (counts.get(t.member) ?? 0) + 1);
  for (let i = 0; i < 500; i++) await store.arm("M", `flow-${i}`, "1.1", [spec("20ms", 20 + (i % 50))]);
  const a = startService(count, { batch: 5 });
  const b = startService(count, { batch: 5 });
  await until(() => a.stats.acked + b.stats.acked === 500);
  assert.is(counts.size, 500);
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    "some timer delivered twice",
  );
  assert.ok(a.stats.delivered > 0 && b.stats.delivered > 0, `a ${a.stats.delivered}, b ${b.stats.delivered}: both services should take part`);
});

test("stop waits for deliveries in flight and acks them", async () => {
  let finished = false;
  await store.arm("M", "f5", "1.1", [spec("10ms", 10)]);
  const service = startService(async () => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    finished = true;
  });
  await until(() => service.stats.claimed === 1);
  await service.stop();
  assert.ok(finished);
  assert.is(service.stats.acked, 1);
  assert.is(await timersLeft(redis, store), 0);
});

test("a timer armed in this process for sooner than the next poll wakes the service early", async () => {
  const lateness: number[] = [];
  startService(async (t) => void lateness.push(Date.now() - t.due), { pollMs: 1_000 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await store.arm("M", "f6", "1.1", [spec("30ms", 30)]);
  await until(() => lateness.length === 1);
  assert.ok(lateness[0]! < 500, `delivered ${lateness[0]} ms late (the poll interval is 1,000 ms)`);
});

test("the service keeps polling through a Redis restart and delivers timers armed before it", async () => {
  const restartable = await startRedis(["--appendonly", "yes", "--appendfsync", "always"]);
  const client = new Redis(restartable.url);
  try {
    const localStore = new TimerStore(client);
    const delivered: string[] = [];
    const service = new TimerService(client, localStore, async (t) => void delivered.push(t.flowId), { pollMs: 20 });
    service.start();
    await localStore.arm("M", "survivor", "1.1", [spec("300ms", 300)]);
    await restartable.stop({ hard: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await restartable.restart();
    await until(() => delivered.length === 1, 10_000);
    await service.stop();
    assert.equal(delivered, ["survivor"]);
  } finally {
    client.disconnect();
    await restartable.stop({ cleanup: true });
  }
});

test.run();
