// Starting and closing a runtime: unreachable Redis is a clear error in bounded time, close() finishes work and leaves no handles.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { FlowRuntime, RedisUnavailableError, RuntimeClosedError } from "../../runtime/index.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
const pool = new RuntimePool();

test.before(async () => {
  server = await startRedis();
});

test.after(async () => {
  await pool.closeAll();
  await server.stop({ cleanup: true });
});

/** Counts of live libuv handles by kind (sockets, timers, …). */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, the call succeeded");
}

test("close() after real work leaves no socket or timer open", async () => {
  const before = handles();
  const runtime = new FlowRuntime({ redis: server.url, sweepIntervalMs: 50 });
  const call = runtime.register(Call, callHandlers());
  await runtime.start();
  await call.start("close-1", { caller: "a" });
  for (let n = 1; n <= 5; n++) await call.send("close-1", { type: "Note", n });
  await runtime.close();
  await new Promise((resolve) => setImmediate(resolve));
  const after = handles();
  for (const [kind, count] of after) assert.ok(count <= (before.get(kind) ?? 0), `${kind}: ${before.get(kind) ?? 0} before, ${count} after close`);
});

test("close() lets a drain in flight commit and release the lock", async () => {
  // close() is called while the Work action runs (not merely once Work is queued: an event still
  // queued behind the drain when close() begins is handed back, see the next test).
  let working!: () => void;
  const workStarted = new Promise<void>((resolve) => (working = resolve));
  const runtime = new FlowRuntime({ redis: server.url });
  const call = runtime.register(Call, callHandlers({ onAction: (name) => void (name === "work" && working()) }));
  await runtime.start();
  await call.start("close-2", { caller: "a" });
  await call.send("close-2", { type: "Answered" });
  await call.send("close-2", { type: "Work", ms: 200 });
  await workStarted;
  await runtime.close();
  const redis = new Redis(server.url);
  try {
    const [version, ctx, lock] = await Promise.all([
      redis.hget("fsm:{Call:close-2}:s", F.version),
      redis.hget("fsm:{Call:close-2}:s", F.ctx),
      redis.exists("fsm:{Call:close-2}:lock"),
    ]);
    assert.is(version, "3");
    assert.ok((JSON.parse(ctx ?? "{}") as { trail: string[] }).trail.includes("work:200"), "the Work action's result is committed");
    assert.is(lock, 0);
  } finally {
    redis.disconnect();
  }
});

test("close() hands an event still queued behind the drain back: it stays queued, unlocked, for another runtime", async () => {
  // The entry action of Talking is held until close() began, so Work is queued behind the drain.
  let closing!: () => void;
  const closeBegan = new Promise<void>((resolve) => (closing = resolve));
  const runtime = new FlowRuntime({ redis: server.url });
  const call = runtime.register(Call, callHandlers({ onAction: (name) => (name === "greet" ? closeBegan : undefined) }));
  await runtime.start();
  await call.start("close-4", { caller: "a" });
  await call.send("close-4", { type: "Answered" });
  await call.send("close-4", { type: "Work", ms: 0 });
  const closed = runtime.close();
  closing();
  await closed;
  const redis = new Redis(server.url);
  try {
    const [version, queued, lock] = await Promise.all([
      redis.hget("fsm:{Call:close-4}:s", F.version),
      redis.llen("fsm:{Call:close-4}:q"),
      redis.exists("fsm:{Call:close-4}:lock"),
    ]);
    assert.equal([version, queued, lock], ["2", 1, 0]);
    const { client: next } = await pool.call({ redis: server.url, sweepIntervalMs: 50 });
    await waitFor("another runtime to apply the queued Work", async () => (await next.get("close-4"))?.version === 3);
  } finally {
    redis.disconnect();
    await pool.closeAll();
  }
});

test("a closed runtime refuses sends with RuntimeClosedError", async () => {
  const runtime = new FlowRuntime({ redis: server.url });
  const call = runtime.register(Call, callHandlers());
  await runtime.start();
  await runtime.close();
  assert.instance(await refusal(call.send("close-3", { type: "Answered" })), RuntimeClosedError);
});

test("a runtime that was not started only enqueues; a started runtime's sweeper processes its events", async () => {
  const { runtime: producer, client: produce } = await pool.call({ redis: server.url }, {}, false);
  await produce.start("producer-1", { caller: "a" });
  await produce.send("producer-1", { type: "Note", n: 1 });
  const { runtime: worker, client: call } = await pool.call({ redis: server.url, sweepIntervalMs: 50 });
  await waitFor("the started runtime to apply both events", async () => (await call.get("producer-1"))?.version === 2);
  assert.equal((await call.get("producer-1"))?.context.notes, [1]);
  assert.is(producer.metrics().applied, 0);
  assert.is(worker.metrics().applied, 2);
  await pool.closeAll();
});

test("a flow that keeps receiving events from a runtime that does not drain is still taken over while they keep coming", async () => {
  const { client: produce } = await pool.call({ redis: server.url }, {}, false);
  await produce.start("stream-1", { caller: "a" });
  const { client: call } = await pool.call({ redis: server.url, sweepIntervalMs: 200 });
  const until = Date.now() + 3_000;
  let sent = 0;
  // Each send refreshes the flow's pending entry, more often than the sweep interval.
  while ((await call.get("stream-1"))?.version === 0 && Date.now() < until) {
    await produce.send("stream-1", { type: "Note", n: ++sent });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok((await call.get("stream-1"))!.version > 0, `nothing applied while ${sent} events kept coming`);
  await pool.closeAll();
});

test("events queued behind the event that ends a flow are deleted with its queue and counted", async () => {
  const { client: produce } = await pool.call({ redis: server.url }, {}, false);
  await produce.start("drop-1", { caller: "a" });
  await produce.send("drop-1", { type: "Hangup" });
  await produce.send("drop-1", { type: "Note", n: 1 });
  const { runtime: worker, client: call } = await pool.call({ redis: server.url, sweepIntervalMs: 50 });
  await waitFor("the flow to end", async () => (await call.get("drop-1"))?.status === "ended");
  assert.equal((await call.get("drop-1"))?.context.notes, []);
  assert.is(worker.metrics().droppedAfterEnd, 1);
  await pool.closeAll();
});

test("start() against an unreachable Redis throws RedisUnavailableError naming the address, within the bound", async () => {
  const port = await freePort();
  const runtime = new FlowRuntime({ redis: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
  runtime.register(Call, callHandlers());
  const began = Date.now();
  const error = await refusal(runtime.start());
  const took = Date.now() - began;
  await runtime.close();
  assert.instance(error, RedisUnavailableError);
  assert.is((error as RedisUnavailableError).code, "REDIS_UNAVAILABLE");
  assert.match(error.message, `127.0.0.1:${port}`);
  assert.ok(took < 2_000, `took ${took} ms`);
});

test("a send while Redis is down fails with RedisUnavailableError after the command bound, not a hang", async () => {
  const own = await startRedis();
  const { client: call } = await pool.call({ redis: own.url, commandTimeoutMs: 400 });
  await call.start("down-1", { caller: "a" });
  await own.stop();
  try {
    const began = Date.now();
    const error = await refusal(call.send("down-1", { type: "Answered" }));
    assert.instance(error, RedisUnavailableError);
    assert.match(error.message, `127.0.0.1:${own.port}`);
    assert.ok(Date.now() - began < 2_000);
  } finally {
    await own.stop({ cleanup: true });
  }
});

test.run();
