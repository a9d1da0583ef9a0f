// A handler that throws: the event stays queued with state unchanged, is retried with backoff, then dead-lettered.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { HandlerError, type ErrorContext } from "../../runtime/index.js";
import { inspectFlow } from "../../runtime/ops.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
const reports: { error: unknown; message: string; context: ErrorContext; at: number }[] = [];
/** Note n → how many more times its action throws (Infinity: always). */
const failures = new Map<number, number>();
let call: Awaited<ReturnType<RuntimePool["call"]>>["client"];
let runtime: Awaited<ReturnType<RuntimePool["call"]>>["runtime"];

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  ({ client: call, runtime } = await pool.call(
    {
      redis: server.url,
      retry: { maxAttempts: 3, baseMs: 40, maxMs: 1_000 },
      onError: (error, context) => {
        if (context.phase === "handler") reports.push({ error, message: (error as Error).message, context, at: Date.now() });
      },
    },
    {
      onAction: (name, event) => {
        if (name !== "note") return;
        const n = (event as unknown as { n: number }).n;
        const left = failures.get(n) ?? 0;
        if (left > 0) {
          failures.set(n, left - 1);
          throw new Error(`note ${n} failed`);
        }
      },
    },
  ));
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

const version = async (flowId: string) => (await call.get(flowId))?.version ?? 0;

test("a failing event stays queued with the state unchanged, and events behind it wait", async () => {
  failures.set(100, Infinity);
  await call.start("stuck-1", { caller: "a" });
  await call.send("stuck-1", { type: "Note", n: 100 });
  await call.send("stuck-1", { type: "Note", n: 101 });
  await waitFor("a first failure", () => reports.some((r) => r.context.flowId === "stuck-1"));
  const view = await inspectFlow(redis, "Call", "stuck-1");
  assert.is(view.version, 1);
  assert.equal((view.context as { notes: number[] }).notes, []);
  assert.equal(
    view.queue.map((r) => r.event),
    [
      { type: "Note", n: 100 },
      { type: "Note", n: 101 },
    ],
  );
  await waitFor("the dead letter", async () => (await version("stuck-1")) === 2);
});

test("a handler that fails twice then succeeds is applied once, after two reported failures with growing backoff", async () => {
  failures.set(200, 2);
  await call.start("flaky-1", { caller: "a" });
  await call.send("flaky-1", { type: "Note", n: 200 });
  await waitFor("the event to apply", async () => (await version("flaky-1")) === 2);
  const mine = reports.filter((r) => r.context.flowId === "flaky-1");
  assert.equal(
    mine.map((r) => r.context.attempt),
    [1, 2],
  );
  assert.equal(mine[0]!.context.event, { type: "Note", n: 200 });
  // What the handler threw is the cause of a HandlerError naming machine, flow, handler and event.
  assert.instance(mine[0]!.error, HandlerError);
  assert.is((mine[0]!.error as HandlerError).code, "HANDLER_FAILED");
  assert.is(((mine[0]!.error as HandlerError).cause as Error).message, "note 200 failed");
  assert.is(mine[0]!.message, "machine Call, flow flaky-1, action note on event Note failed: note 200 failed");
  assert.ok(mine[1]!.at - mine[0]!.at >= 35, "the retry waited for its backoff");
  assert.equal((await call.get("flaky-1"))?.context.notes, [200]);
});

test("after maxAttempts the event moves to the flow's dead-letter list and the next event applies", async () => {
  failures.set(300, Infinity);
  await call.start("dead-1", { caller: "a" });
  await call.send("dead-1", { type: "Note", n: 300 });
  await call.send("dead-1", { type: "Note", n: 301 });
  await waitFor("the next event to apply", async () => (await version("dead-1")) === 2);
  assert.equal(
    reports.filter((r) => r.context.flowId === "dead-1").map((r) => r.context.attempt),
    [1, 2, 3],
  );
  const view = await inspectFlow(redis, "Call", "dead-1");
  assert.equal((view.context as { notes: number[] }).notes, [301]);
  assert.is(view.queue.length, 0);
  assert.is(view.deadLetters.length, 1);
  assert.equal(view.deadLetters[0], {
    seq: 2,
    id: "",
    at: (view.deadLetters[0] as { at: number }).at,
    event: { type: "Note", n: 300 },
    error: "machine Call, flow dead-1, action note on event Note failed: note 300 failed",
    code: "HANDLER_FAILED",
    attempts: 3,
    state: "Ringing",
  });
  assert.ok(runtime.metrics().deadLettered >= 1);
  assert.ok(runtime.metrics().retries >= 2);
});

test.run();
