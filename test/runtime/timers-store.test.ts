// TimerStore: arming puts a flow's timers in its machine's shard under short members, due times from Redis TIME; packing and cancelling them.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeTimerMember, TimerStore, timerIdIn, type TimerSpec } from "../../runtime/timers/index.js";
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

const uuid = "0d5c7a1e-3f0b-4c4e-9a53-1f0c2b7e8d11";

test("arm stores each timer in its machine's shard of the flow, scored with Redis TIME + ms", async () => {
  const before = await redisNow();
  const armed = await store.arm("InboundCall", "call-1", "1.1", [greeting]);
  const after = await redisNow();
  assert.is(armed.length, 1);
  const [timer] = armed;
  assert.is(timer!.shard, store.shardOf("InboundCall", "call-1"));
  assert.is(timer!.key, `fsm:timers:{InboundCall:${timer!.shard}}`);
  const due = timer!.due!;
  assert.ok(due >= before + 10_000 && due <= after + 10_000, `due ${due} not within [${before + 10_000}, ${after + 10_000}]`);
  assert.is(Number(await redis.zscore(timer!.key, timer!.member)), due);
});

test("all timers of one flow go to one shard, and flows spread over the shards", async () => {
  const armed = await store.arm("InboundCall", "call-2", "1.1", [greeting, retry]);
  assert.is(armed[0]!.shard, armed[1]!.shard);
  const shards = new Set(Array.from({ length: 200 }, (_, i) => store.shardOf("InboundCall", `call-${i}`)));
  assert.is(shards.size, store.shards);
});

test("each machine has its own shards, so the same flow id under two machines names two timers", async () => {
  const own = new TimerStore(redis, { shards: 4 });
  const [a] = await own.arm("Inbound", "same", "1.1", [greeting]);
  const [b] = await own.arm("Outbound", "same", "1.1", [greeting]);
  assert.is(a!.member, b!.member);
  assert.is.not(a!.key, b!.key);
  assert.equal(
    own.shardRefs.map((r) => r.key),
    [0, 1, 2, 3].map((n) => `fsm:timers:{Inbound:${n}}`).concat([0, 1, 2, 3].map((n) => `fsm:timers:{Outbound:${n}}`)),
  );
});

test("a member names the flow, the state entry and the timer relative to its state, and nothing else", async () => {
  const [timer] = await store.arm("InboundCall", "call-3", "7.2", [greeting]);
  assert.equal(decodeTimerMember(timer!.member), { flowId: "call-3", entry: "7.2", kind: "timer", timer: "10s" });
  // The machine is the key's, the state comes back with the entry, the ms from the definition, the due time is the score.
  for (const dropped of ["InboundCall", "Greeting", (10_000).toString(36), timer!.due!.toString(36)]) {
    assert.not.ok(timer!.member.includes(dropped), `the member still carries ${dropped}`);
  }
  assert.is(timerIdIn(decodeTimerMember(timer!.member)!.timer, "Greeting"), "Greeting/10s");
});

test("a UUID flow id is kept in 22 characters, and a timer member of a fresh entry fits Redis's 32-byte allocation", async () => {
  const [timer] = await store.arm("InboundCall", uuid, "1.1", [greeting]);
  assert.ok(Buffer.byteLength(timer!.member) <= 30, `member is ${Buffer.byteLength(timer!.member)} bytes`);
  assert.not.ok(timer!.member.includes(uuid.slice(0, 8)));
  assert.is(decodeTimerMember(timer!.member)?.flowId, uuid);
});

test("flow ids that are not lowercase UUIDs are kept as they are and read back unchanged", async () => {
  // Uppercase UUIDs, and ids that look like a compacted one (22 base64url characters), must not be confused with it.
  for (const flowId of [uuid.toUpperCase(), "DcV6Hj8LTE6aUx8MK36NEQ", "call-42", "a:b/c d"]) {
    const [timer] = await store.arm("InboundCall", flowId, "3.4", [greeting]);
    assert.is(decodeTimerMember(timer!.member)?.flowId, flowId);
  }
});

test("a deadline member decodes as a deadline", async () => {
  const [deadline] = await store.arm("InboundCall", "call-4", "1.0", [{ id: "deadline", state: "", ms: 7_200_000, kind: "deadline" }]);
  assert.equal(decodeTimerMember(deadline!.member), { flowId: "call-4", entry: "1.0", kind: "deadline", timer: "" });
  assert.is(deadline!.kind, "deadline");
});

test("a timer whose id does not start with its state keeps its whole id in the member", async () => {
  const [timer] = await store.arm("M", "f", "1.1", [{ id: "t1", state: "Waiting", ms: 5, kind: "timer" }]);
  assert.is(timerIdIn(decodeTimerMember(timer!.member)!.timer, "Waiting"), "t1");
});

test("anything else in a shard decodes as no timer", () => {
  for (const member of ["", "no-separator", "\u001f1.1", "f\u001f", "f\u001f1.1\u001f", "f\u001f1.1\u001fa\u001fb", "short\u001e1.1\u001fx"]) {
    assert.is(decodeTimerMember(member), undefined, JSON.stringify(member));
  }
});

test("a flow id with a control character is refused rather than stored unreadable", async () => {
  const error = await store.arm("InboundCall", "bad\u001fid", "1.1", [greeting]).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, RangeError);
  assert.match((error as Error).message, "control character");
});

test("re-arming the same timer for a new entry (a self-transition) makes a second member", async () => {
  const [first] = await store.arm("InboundCall", "call-5", "1.1", [greeting]);
  const [second] = await store.arm("InboundCall", "call-5", "1.2", [greeting]);
  assert.is.not(first!.member, second!.member);
  assert.is(await redis.zcard(first!.key), 2);
  // Cancelling the first arming after the commit leaves the second armed.
  await store.cancel([first!]);
  assert.ok(await redis.zscore(second!.key, second!.member));
});

test("cancel removes exactly the given timers", async () => {
  const armed = await store.arm("InboundCall", "call-6", "1.1", [greeting, retry]);
  const [other] = await store.arm("InboundCall", "call-7", "1.1", [greeting]);
  await store.cancel(armed);
  for (const timer of armed) assert.is(await redis.zscore(timer.key, timer.member), null);
  assert.ok(await redis.zscore(other!.key, other!.member));
});

test("cancel of timers already gone is harmless", async () => {
  const armed = await store.arm("InboundCall", "call-8", "1.1", [greeting]);
  await store.cancel(armed);
  await store.cancel(armed);
  assert.is(await redis.zcard(armed[0]!.key), 0);
});

test("pack and unpack give back the armed timers of one entry; only the deadline keeps its due time", async () => {
  const armed = await store.arm("InboundCall", "call-9", "4.2", [greeting, retry, { id: "deadline", state: "", ms: 7_200_000, kind: "deadline" }]);
  const expected = armed.map((t) => (t.kind === "deadline" ? t : { ...t, due: undefined }));
  const unpacked = store.unpack("InboundCall", "call-9", store.pack(armed), "Greeting");
  assert.equal(
    unpacked.map((t) => ({ ...t, due: t.due })),
    expected,
  );
  // Without the state, ids are relative to it: enough to cancel.
  assert.equal(
    store.unpack("InboundCall", "call-9", store.pack(armed)).map((t) => t.id),
    ["10s", "1m", "deadline"],
  );
});

test("nothing armed packs to a non-empty value that unpacks to no timers", () => {
  const packed = store.pack([]);
  assert.is.not(packed, "");
  assert.equal(store.unpack("InboundCall", "call-9", packed), []);
});

test("a state's packed timer is the entry token and the relative id: 7 bytes for one timer of a fresh entry", async () => {
  const armed = await store.arm("InboundCall", uuid, "1.1", [greeting]);
  assert.is(store.pack(armed), "1.1\u001e10s");
});

test("an unpacked timer cancels like the original", async () => {
  const armed = await store.arm("InboundCall", "call-10", "1.1", [greeting]);
  await store.cancel(store.unpack("InboundCall", "call-10", store.pack(armed)));
  assert.is(await redis.zcard(armed[0]!.key), 0);
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
    assert.is(await redis.zscore(armed[0]!.key, armed[0]!.member), String(armed[0]!.due));
  } finally {
    pipelined.disconnect();
  }
});

test.run();
