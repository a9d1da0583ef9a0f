// Run to completion on Redis: start, clause choice, action order, context merges, final states, and the two-round-trip hot path.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import type { ActionIO, CommitInfo, TransitionInfo, UnhandledEvent } from "../../runtime/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { openMonitor } from "./support/monitor.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
const unhandled: UnhandledEvent[] = [];
const ios: ActionIO[] = [];
const transitions: TransitionInfo[] = [];
const commits: CommitInfo[] = [];
let call: Awaited<ReturnType<RuntimePool["call"]>>["client"];
let runtime: Awaited<ReturnType<RuntimePool["call"]>>["runtime"];

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  ({ runtime, client: call } = await pool.call(
    { redis: server.url, onUnhandled: (info) => unhandled.push(info), onTransition: (info) => transitions.push(info), onCommit: (info) => commits.push(info) },
    { onAction: (_name, _event, io) => void ios.push(io) },
  ));
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

const settled = (flowId: string, version: number) =>
  waitFor(`flow ${flowId} at version ${version}`, async () => {
    const flow = await call.get(flowId);
    return flow && flow.version >= version ? flow : undefined;
  });

test("start creates the flow in its initial state with defaults under the start context", async () => {
  await call.start("start-1", { caller: "+3312345", digits: "9" });
  const flow = await settled("start-1", 1);
  assert.is(flow.state, "Ringing");
  assert.is(flow.status, "active");
  assert.equal(flow.context, { notes: [], digits: "9", trail: [], caller: "+3312345" });
  assert.is(flow.machineVersion, 2);
  assert.ok(flow.created > 0 && flow.updated >= flow.created);
});

test("onCommit reports every accepted commit: together they consume each queued event once, in order", async () => {
  await call.start("commits-1", { caller: "a" });
  for (let n = 1; n <= 10; n++) await call.send("commits-1", { type: "Note", n });
  await settled("commits-1", 11);
  const mine = commits.filter((info) => info.flowId === "commits-1" && info.events > 0);
  const seqs = mine.flatMap((info) => Array.from({ length: info.events }, (_, i) => info.firstSeq + i));
  assert.equal(
    seqs,
    Array.from({ length: 11 }, (_, i) => i + 1),
  );
  assert.is(mine.at(-1)?.version, 11);
  assert.ok(mine.every((info) => info.machine === "Call"));
});

test("a context no action changed is left as stored, and one an action changed is written", async () => {
  await call.start("ctx-1", { caller: "a" });
  await call.send("ctx-1", { type: "Answered" });
  await call.send("ctx-1", { type: "Note", n: 7 });
  const flow = await settled("ctx-1", 3);
  assert.equal(flow.context.notes, [7]);
  assert.is(flow.context.caller, "a");
});

test("get returns undefined for a flow that was never started", async () => {
  assert.is(await call.get("never-started"), undefined);
});

test("events apply in the order they were acknowledged", async () => {
  await call.start("order-1", { caller: "a" });
  for (let n = 1; n <= 20; n++) await call.send("order-1", { type: "Note", n });
  const flow = await settled("order-1", 21);
  assert.equal(
    flow.context.notes,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
});

test("an external transition runs exit, clause and entry actions in that order, even into the same state", async () => {
  await call.start("self-1", { caller: "a" });
  await call.send("self-1", { type: "Answered" });
  await call.send("self-1", { type: "Digit", digit: "#" });
  const flow = await settled("self-1", 3);
  assert.is(flow.state, "Talking");
  assert.equal(flow.context.trail, ["greet:Answered", "bye:Digit", "restart:Digit", "greet:Digit"]);
});

test("[else] is taken when the earlier guarded clause does not hold, as an internal transition", async () => {
  await call.start("else-1", { caller: "a" });
  await call.send("else-1", { type: "Answered" });
  await call.send("else-1", { type: "Digit", digit: "4" });
  await call.send("else-1", { type: "Digit", digit: "2" });
  const flow = await settled("else-1", 4);
  assert.is(flow.context.digits, "42");
  assert.equal(flow.context.trail, ["greet:Answered"], "an internal transition runs no exit or entry actions");
});

test("a machine-level clause applies in a state that does not handle the event, and a final state ends the flow", async () => {
  await call.start("end-1", { caller: "a" });
  await call.send("end-1", { type: "Hangup", cause: "busy" });
  const flow = await settled("end-1", 2);
  assert.is(flow.state, "Ended");
  assert.is(flow.status, "ended");
  assert.equal(flow.context.trail, ["hangup:Hangup", "release:Hangup"]);
});

test("an ended flow has no queue left and is expired by Redis after the retention", async () => {
  const { client: short } = await pool.call({ redis: server.url, retention: 300 });
  await short.start("end-2", { caller: "a" }, { eventId: "start-end-2" });
  await short.send("end-2", { type: "Hangup" });
  await settled("end-2", 2);
  assert.is(await redis.exists("fsm:{Call:end-2}:q"), 0);
  const ttl = await redis.pttl("fsm:{Call:end-2}:s");
  assert.ok(ttl > 0 && ttl <= 300, `the flow hash expires (pttl ${ttl})`);
  assert.ok((await redis.pttl("fsm:{Call:end-2}:seen")) <= 300, "so do its remembered event ids");
  await waitFor("Redis to expire the flow", async () => (await call.get("end-2")) === undefined, 3_000);
});

test("an unhandled event changes nothing and is reported to onUnhandled and the metrics", async () => {
  await call.start("unhandled-1", { caller: "a" });
  await call.send("unhandled-1", { type: "Digit", digit: "1" });
  await call.send("unhandled-1", { type: "Note", n: 7 });
  const flow = await settled("unhandled-1", 2);
  assert.is(flow.state, "Ringing");
  assert.equal(flow.context.notes, [7]);
  assert.is(flow.version, 2, "the unhandled Digit is not counted as applied");
  const report = unhandled.find((u) => u.flowId === "unhandled-1");
  assert.equal(report, { machine: "Call", flowId: "unhandled-1", state: "Ringing", event: { type: "Digit", digit: "1" } });
  assert.ok(runtime.metrics().unhandled >= 1);
});

test("actions receive the flow id, an idempotency key made of flow id and event sequence, the attempt and an abort signal", async () => {
  await call.start("io-1", { caller: "a" });
  await call.send("io-1", { type: "Note", n: 1 });
  await settled("io-1", 2);
  const io = ios.find((i) => i.flowId === "io-1");
  assert.ok(io);
  const { flowId, machine, idempotencyKey, seq, attempt } = io;
  assert.equal({ flowId, machine, idempotencyKey, seq, attempt }, { flowId: "io-1", machine: "Call", idempotencyKey: "io-1:2", seq: 2, attempt: 1 });
  assert.instance(io.signal, AbortSignal);
  assert.is(io.signal.aborted, false);
});

test("onTransition reports every committed event with an effect: the start, external and internal transitions", async () => {
  await call.start("tr-1", { caller: "a" });
  await call.send("tr-1", { type: "Answered" });
  await call.send("tr-1", { type: "Digit", digit: "5" });
  await call.send("tr-1", { type: "Hangup" });
  await settled("tr-1", 4);
  const mine = transitions.filter((t) => t.flowId === "tr-1").map(({ seq, from, to, external, event }) => ({ seq, from, to, external, type: event.type }));
  assert.equal(mine, [
    { seq: 1, from: undefined, to: "Ringing", external: true, type: "fsm.start" },
    { seq: 2, from: "Ringing", to: "Talking", external: true, type: "Answered" },
    { seq: 3, from: "Talking", to: "Talking", external: false, type: "Digit" },
    { seq: 4, from: "Talking", to: "Ended", external: true, type: "Hangup" },
  ]);
});

test("an event on an idle flow costs two script calls: the enqueue (the ack) and the commit", async () => {
  await call.start("rt-1", { caller: "a" });
  await settled("rt-1", 1);
  const monitor = await openMonitor(server.url);
  const calls: string[][] = [];
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (args.some((a) => a.includes("{Call:rt-1}"))) calls.push(args);
  });
  try {
    await call.send("rt-1", { type: "Note", n: 1 });
    await settled("rt-1", 2);
  } finally {
    monitor.disconnect();
  }
  const scripts = calls.filter((args) => /^eval/i.test(args[0] ?? ""));
  assert.is(scripts.length, 2, `script calls touching the flow: ${scripts.map((a) => a.slice(0, 4).join(" ")).join("; ")}`);
});

test.run();
