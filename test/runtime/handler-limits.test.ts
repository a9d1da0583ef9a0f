// Handlers that never finish: time limits, aborted signals, dead letters, the deadline that still ends the flow, and a bounded close().
import { hostname } from "node:os";

import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { AttemptsAbandonedError, FlowRuntime, HandlerTimeoutError, type ActionIO, type ErrorContext } from "../../runtime/index.js";
import { inspectFlow } from "../../runtime/ops.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { Dial } from "./fixtures/dial.js";
import { runFsmc } from "../support/run-fsmc.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const runtimes: FlowRuntime[] = [];

const never = () => new Promise<never>(() => {});

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

// Each test's runtimes stop with it: a runtime left running would take the next test's flows over.
test.after.each(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

function runtime(options: Partial<ConstructorParameters<typeof FlowRuntime>[0]> = {}): FlowRuntime {
  const r = new FlowRuntime({ redis: server.url, retry: { maxAttempts: 3, baseMs: 10, maxMs: 20 }, ...options });
  runtimes.push(r);
  return r;
}

test("an action that never resolves fails each attempt at its limit, with its signal aborted, then is dead-lettered; the next event applies", async () => {
  const errors: { error: unknown; context: ErrorContext }[] = [];
  const signals: AbortSignal[] = [];
  const r = runtime({ handlerTimeoutMs: 5_000, onError: (error, context) => void errors.push({ error, context }) });
  // The machine's own limit overrides the runtime's.
  const call = r.register(
    Call,
    callHandlers({
      onAction: (name, event, io) => {
        if (name !== "note" || (event as { n?: number }).n !== 1) return;
        signals.push(io.signal);
        return never();
      },
    }),
    { handlerTimeoutMs: 100 },
  );
  await r.start();
  await call.start("hang-1", { caller: "a" });
  await call.send("hang-1", { type: "Note", n: 1 });
  await call.send("hang-1", { type: "Note", n: 2 });
  await waitFor("the next event to apply", async () => (await call.get("hang-1"))?.context.notes.length === 1);
  assert.equal((await call.get("hang-1"))?.context.notes, [2]);
  const mine = errors.filter((e) => e.context.flowId === "hang-1");
  assert.equal(
    mine.map((e) => e.context.attempt),
    [1, 2, 3],
  );
  const error = mine[0]!.error as HandlerTimeoutError;
  assert.instance(error, HandlerTimeoutError);
  assert.is(error.code, "HANDLER_TIMEOUT");
  assert.is(error.limitMs, 100);
  assert.is(error.message, "machine Call, flow hang-1, action note on event Note did not finish within its limit of 100 ms (handlerTimeoutMs)");
  assert.is(signals.length, 3);
  for (const signal of signals) {
    assert.is(signal.aborted, true);
    assert.instance(signal.reason, HandlerTimeoutError);
  }
  const view = await inspectFlow(redis, "Call", "hang-1");
  assert.is(view.deadLetters.length, 1);
  const dead = view.deadLetters[0] as { code: string; attempts: number; event: unknown };
  assert.is(dead.code, "HANDLER_TIMEOUT");
  assert.is(dead.attempts, 3);
  assert.equal(dead.event, { type: "Note", n: 1 });
  assert.is(view.lock, null, "the lock was released once the queue emptied");
});

test("a flow whose every handler hangs still ends through its deadline: the start and the timer event are dead-lettered, the deadline is forced", async () => {
  const r = runtime({ handlerTimeoutMs: 60 });
  const hang = () => never();
  const dial = r.register(Dial, { guards: {}, actions: { ring: hang, miss: hang, timeout: hang } });
  await r.start();
  await dial.start("hang-all", {});
  const flow = await waitFor(
    "the flow to end",
    async () => {
      const f = await dial.get("hang-all");
      return f?.status === "ended" ? f : undefined;
    },
    15_000,
  );
  assert.is(flow.state, "TimedOut");
  const view = await inspectFlow(redis, "Dial", "hang-all");
  const dead = view.deadLetters as { event: { type: string }; code: string; forced?: boolean }[];
  assert.equal(
    dead.map((d) => d.event.type),
    ["fsm.start", "fsm.timer", "fsm.deadline"],
  );
  assert.ok(dead.every((d) => d.code === "HANDLER_TIMEOUT"));
  assert.equal(
    dead.map((d) => d.forced ?? false),
    [false, false, true],
  );
});

test("close() returns the same promise to every caller and within closeTimeoutMs while a handler hangs; the next holder continues the attempt count", async () => {
  let entered!: () => void;
  const running = new Promise<void>((resolve) => (entered = resolve));
  const seen: ActionIO[] = [];
  const first = runtime({ handlerTimeoutMs: 60_000, closeTimeoutMs: 300, lockTtlMs: 400 });
  const call = first.register(
    Call,
    callHandlers({
      onAction: (name, _event, io) => {
        if (name !== "note") return;
        seen.push(io);
        entered();
        return never();
      },
    }),
  );
  await first.start();
  await call.start("close-1", { caller: "a" });
  await call.send("close-1", { type: "Note", n: 7 });
  await running;

  const began = Date.now();
  const closing = first.close();
  assert.is(first.close(), closing, "a second close() is the same promise");
  await closing;
  const took = Date.now() - began;
  assert.ok(took < 2_000, `close() took ${took} ms with closeTimeoutMs 300`);
  assert.ok(took >= 250, `close() waited for the handler first (${took} ms)`);
  assert.is(seen[0]!.signal.aborted, true);
  assert.is(first.metrics().abandonedOnClose, 1);

  // Another process takes the flow over once the abandoned lock lapses; its attempt is the second.
  const attempts: number[] = [];
  const second = runtime({ lockTtlMs: 400, sweepIntervalMs: 100 });
  const again = second.register(Call, callHandlers({ onAction: (name, _event, io) => void (name === "note" && attempts.push(io.attempt)) }));
  await second.start();
  await waitFor("the note to apply", async () => (await again.get("close-1"))?.context.notes.length === 1);
  assert.equal(attempts, [2]);
  assert.equal((await again.get("close-1"))?.context.notes, [7]);
});

test("holders that each stop during an attempt charge that event, not the ones queued before it; once its attempts are used up the next holder dead-letters it unrun", async () => {
  const options = { handlerTimeoutMs: 60_000, closeTimeoutMs: 100, lockTtlMs: 300, sweepIntervalMs: 100, retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 } };
  /** [n, attempt] of every note run, in order. */
  const runs: [number, number][] = [];
  const holder = () => {
    let entered!: () => void;
    const hung = new Promise<void>((resolve) => (entered = resolve));
    const handlers = callHandlers({
      onAction: (name, event, io) => {
        if (name !== "note") return;
        const n = (event as unknown as { n: number }).n;
        runs.push([n, io.attempt]);
        if (n !== 2) return;
        entered();
        return never();
      },
    });
    return { handlers, hung };
  };
  // Queued with no holder: each holder takes the flow over, and a first holder drains a batch.
  const sender = runtime(options);
  const queued = sender.register(Call, callHandlers());
  await queued.start("abandon-1", { caller: "a" });
  await queued.send("abandon-1", { type: "Note", n: 1 });
  await queued.send("abandon-1", { type: "Note", n: 2 });
  await queued.send("abandon-1", { type: "Note", n: 3 });
  // Holders 1 to 3 each stop (close gives up) while note 2 hangs.
  for (let i = 0; i < 3; i++) {
    const h = holder();
    const r = new FlowRuntime({ redis: server.url, ...options });
    r.register(Call, h.handlers);
    await r.start();
    await h.hung;
    await r.close();
  }
  const errors: unknown[] = [];
  const last = runtime({ ...options, onError: (error) => void errors.push(error) });
  const client = last.register(
    Call,
    callHandlers({ onAction: (name, event, io) => void (name === "note" && runs.push([(event as unknown as { n: number }).n, io.attempt])) }),
  );
  await last.start();
  await waitFor("note 3 to apply", async () => (await client.get("abandon-1"))?.context.notes.includes(3));
  assert.equal((await client.get("abandon-1"))?.context.notes, [1, 3], "note 1 was never charged for note 2's hangs");
  // Holder 1 ran notes 1 and 2 in one batch and stopped; holder 2 committed note 1 alone (its takeover
  // counted note 1), then began note 2; holder 3 took over note 2 as its second attempt; the last holder
  // found both allowed attempts begun and dead-lettered note 2 without running it.
  assert.equal(runs, [
    [1, 1],
    [2, 1],
    [1, 1],
    [2, 1],
    [2, 2],
    [3, 1],
  ]);
  const abandoned = errors.find((e) => e instanceof AttemptsAbandonedError) as AttemptsAbandonedError;
  assert.ok(abandoned, "the dead letter is reported");
  assert.is(abandoned.code, "ATTEMPTS_ABANDONED");
  assert.is(abandoned.attempts, 2);
  const dead = (await inspectFlow(redis, "Call", "abandon-1")).deadLetters as { code: string; event: unknown }[];
  assert.equal(
    dead.map((d) => [d.code, d.event]),
    [["ATTEMPTS_ABANDONED", { type: "Note", n: 2 }]],
  );
});

test("an attempt past its limit runs no further action, even when its late action resolves: only the retry runs them", async () => {
  const calls: [string, number][] = [];
  let release!: () => void;
  const late = new Promise<void>((resolve) => (release = resolve));
  const r = runtime({ handlerTimeoutMs: 100 });
  const call = r.register(
    Call,
    callHandlers({
      onAction: (name, event, io) => {
        if ((event as { digit?: string }).digit !== "#") return;
        calls.push([name, io.attempt]);
        // The exit action of the first attempt outlives the limit, then resolves.
        if (name === "bye" && io.attempt === 1) return late;
      },
    }),
  );
  await r.start();
  await call.start("late-1", { caller: "a" });
  await call.send("late-1", { type: "Answered" });
  await call.send("late-1", { type: "Digit", digit: "#" });
  await waitFor("the retry to apply the digit", async () => (await call.get("late-1"))?.version === 3);
  release();
  // Whatever the first attempt would still run, it runs on the next turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(calls, [
    ["bye", 1],
    ["bye", 2],
    ["restart", 2],
    ["greet", 2],
  ]);
});

test("fsmc flows stuck shows a holder whose handler hangs: its token, the head event and how long it waited", async () => {
  let entered!: () => void;
  const running = new Promise<void>((resolve) => (entered = resolve));
  const r = runtime({ handlerTimeoutMs: 60_000, closeTimeoutMs: 200 });
  const call = r.register(
    Call,
    callHandlers({
      onAction: (name) => {
        if (name !== "note") return;
        entered();
        return never();
      },
    }),
  );
  await r.start();
  await call.start("hung-1", { caller: "a" });
  await call.send("hung-1", { type: "Note", n: 1 });
  await running;
  await new Promise((resolve) => setTimeout(resolve, 400));
  const run = await runFsmc(["flows", "stuck", "--redis", server.url, "--hung-after", "300", "--json"]);
  assert.is(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { hungHolders: { flowId: string; holder: string; headSeq: number; headType: string; waitedMs: number }[] };
  const hung = report.hungHolders.find((h) => h.flowId === "hung-1");
  assert.ok(hung, run.stdout);
  assert.match(hung.holder, `${hostname()}:${process.pid}:`);
  assert.is(hung.headSeq, 2);
  assert.is(hung.headType, "Note");
  assert.ok(hung.waitedMs >= 300, `waited ${hung.waitedMs} ms`);
});

test("handlerTimeoutMs must be a positive number a timer can hold", () => {
  assert.throws(() => new FlowRuntime({ redis: server.url, handlerTimeoutMs: 0 }), /handlerTimeoutMs must be a positive number, got 0/);
  assert.throws(() => new FlowRuntime({ redis: server.url, handlerTimeoutMs: 2 ** 31 }), /handlerTimeoutMs must be at most 2147483647 ms/);
  const r = new FlowRuntime({ redis: server.url });
  assert.throws(
    () => r.register(Call, callHandlers(), { handlerTimeoutMs: Number.NaN }),
    (e: Error & { code?: string }) => e.code === "CONFIGURATION_INVALID",
  );
});

test.run();
