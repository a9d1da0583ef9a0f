// TimerStore: arming puts a flow's timers in its shard with due times from Redis TIME; cancelling removes them.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeTimerMember, TimerStore, timerShardKey, type TimerSpec } from "../../runtime/timers/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";

let server: RedisServer;
let redis: Redis;
let store: TimerStore;

const greeting: TimerSpec = { id: "Greeting/10s", state: "Greeting", ms: 10_000, kind: "timer" };
const retry: TimerSpec = { id: "Greeting/1m", state: "Greeting", ms: 60_000, kind: "timer" };

async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  store = new TimerStore(redis);
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test.before.each(async () => {
  await redis.flushall();
});

test("arm stores each timer in the flow's shard, scored with Redis TIME + ms", async () => {
  const before = await redisNow();
  const armed = await store.arm("InboundCall", "call-1", "1.1", [greeting]);
  const after = await redisNow();
  assert.is(armed.length, 1);
  const [timer] = armed;
  assert.is(timer!.shard, store.shardOf("InboundCall", "call-1"));
  assert.ok(timer!.due >= before + 10_000 && timer!.due <= after + 10_000, `due ${timer!.due} not within [${before + 10_000}, ${after + 10_000}]`);
  assert.is(Number(await redis.zscore(timerShardKey(timer!.shard), timer!.member)), timer!.due);
});

test("all timers of one flow go to one shard, and flows spread over the shards", async () => {
  const armed = await store.arm("InboundCall", "call-2", "1.1", [greeting, retry]);
  assert.is(armed[0]!.shard, armed[1]!.shard);
  const shards = new Set(Array.from({ length: 200 }, (_, i) => store.shardOf("InboundCall", `call-${i}`)));
  assert.is(shards.size, 16);
});

test("a member carries machine, flow, timer, state, entry, ms, kind and due", async () => {
  const [timer] = await store.arm("InboundCall", "call-3", "7.2", [greeting]);
  const due = decodeTimerMember(timer!.member, timer!.shard);
  assert.equal(due, {
    machine: "InboundCall",
    flowId: "call-3",
    id: "Greeting/10s",
    state: "Greeting",
    entry: "7.2",
    ms: 10_000,
    due: timer!.due,
    kind: "timer",
    member: timer!.member,
    shard: timer!.shard,
  });
});

test("a deadline member decodes as a deadline with no state", async () => {
  const [deadline] = await store.arm("InboundCall", "call-4", "1.0", [{ id: "deadline", state: "", ms: 7_200_000, kind: "deadline" }]);
  const due = decodeTimerMember(deadline!.member, deadline!.shard);
  assert.is(due?.kind, "deadline");
  assert.is(due?.state, "");
  assert.is(deadline!.kind, "deadline");
});

test("a timer whose id does not start with its state keeps the state in the member", async () => {
  const [timer] = await store.arm("M", "f", "1.1", [{ id: "t1", state: "Waiting", ms: 5, kind: "timer" }]);
  assert.is(decodeTimerMember(timer!.member, timer!.shard)?.state, "Waiting");
});

test("a flow id with a control character is refused rather than stored unreadable", async () => {
  const error = await store.arm("InboundCall", "bad\u001fid", "1.1", [greeting]).then(() => undefined, (e: unknown) => e);
  assert.instance(error, RangeError);
  assert.match((error as Error).message, "control character");
});

test("re-arming the same timer for a new entry makes a second member", async () => {
  const [first] = await store.arm("InboundCall", "call-5", "1.1", [greeting]);
  const [second] = await store.arm("InboundCall", "call-5", "1.2", [greeting]);
  assert.is.not(first!.member, second!.member);
  assert.is(await redis.zcard(timerShardKey(first!.shard)), 2);
});

test("cancel removes exactly the given timers", async () => {
  const armed = await store.arm("InboundCall", "call-6", "1.1", [greeting, retry]);
  const [other] = await store.arm("InboundCall", "call-7", "1.1", [greeting]);
  await store.cancel(armed);
  for (const timer of armed) assert.is(await redis.zscore(timerShardKey(timer.shard), timer.member), null);
  assert.ok(await redis.zscore(timerShardKey(other!.shard), other!.member));
});

test("cancel of timers already gone is harmless", async () => {
  const armed = await store.arm("InboundCall", "call-8", "1.1", [greeting]);
  await store.cancel(armed);
  await store.cancel(armed);
  assert.is(await redis.zcard(timerShardKey(armed[0]!.shard)), 0);
});

test("a member costs at most 24 bytes beyond its machine, flow id, timer id and entry token", async () => {
  const flowId = "0d5c7a1e-3f0b-4c4e-9a53-1f0c2b7e8d11";
  const [timer] = await store.arm("InboundCall", flowId, "12.3", [greeting]);
  const overhead = Buffer.byteLength(timer!.member) - "InboundCall".length - flowId.length - greeting.id.length - "12.3".length;
  assert.ok(overhead <= 24, `member overhead is ${overhead} bytes`);
});

test("pack and unpack give back the armed timers of one entry, deadline included", async () => {
  const armed = await store.arm("InboundCall", "call-9", "4.2", [greeting, retry, { id: "deadline", state: "", ms: 7_200_000, kind: "deadline" }]);
  assert.equal(store.unpack("InboundCall", "call-9", store.pack(armed)), armed);
});

test("nothing armed packs to a non-empty value that unpacks to no timers", () => {
  const packed = store.pack([]);
  assert.is.not(packed, "");
  assert.equal(store.unpack("InboundCall", "call-9", packed), []);
});

test("unpack also reads the JSON form (an array of timers, or one deadline)", async () => {
  const armed = await store.arm("InboundCall", "call-11", "1.1", [greeting]);
  assert.equal(store.unpack("InboundCall", "call-11", JSON.stringify(armed)), armed);
  assert.equal(store.unpack("InboundCall", "call-11", JSON.stringify(armed[0])), armed);
});

test("a state's packed timer fits a compact hash value (≤ 64 bytes) even with a UUID flow id", async () => {
  const armed = await store.arm("InboundCall", "0d5c7a1e-3f0b-4c4e-9a53-1f0c2b7e8d11", "12.3", [greeting]);
  const packed = store.pack(armed);
  assert.ok(Buffer.byteLength(packed) <= 64, `packed is ${Buffer.byteLength(packed)} bytes`);
});

test("an unpacked timer cancels like the original", async () => {
  const armed = await store.arm("InboundCall", "call-10", "1.1", [greeting]);
  await store.cancel(store.unpack("InboundCall", "call-10", store.pack(armed)));
  assert.is(await redis.zcard(timerShardKey(armed[0]!.shard)), 0);
});

test("with ioredis auto-pipelining, arming works in the same tick as the client's first other command", async () => {
  // Auto-pipelining copies the defined scripts into a pipeline when it opens it: the store must
  // define them when constructed, not at its first call (after another command opened the pipeline).
  const pipelined = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const own = new TimerStore(pipelined);
    await pipelined.ping();
    const [, armed] = await Promise.all([pipelined.ping(), own.arm("InboundCall", "call-ap", "1.1", [greeting])]);
    assert.is(armed.length, 1);
    assert.is(await redis.zscore(timerShardKey(armed[0]!.shard), armed[0]!.member), String(armed[0]!.due));
  } finally {
    pipelined.disconnect();
  }
});

test.run();
