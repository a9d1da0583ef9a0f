// State timers and the deadline as the runtime drives them: armed on entry, applied as queued events, dropped once stale.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime, type TransitionInfo } from "../../runtime/index.js";
import { inspectFlow } from "../../runtime/ops.js";
import { flowKeys } from "../../runtime/keys.js";
import { HotPathScripts } from "../../runtime/scripts.js";
import { Dial, dialHandlers } from "./fixtures/dial.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { openMonitor } from "./support/monitor.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
let runtime: FlowRuntime;
let dial: ReturnType<typeof registerDial>;

function registerDial(r: FlowRuntime) {
  return r.register(Dial, dialHandlers());
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  runtime = pool.add(new FlowRuntime({ redis: server.url, timerPollMs: 20 }));
  dial = registerDial(runtime);
  await runtime.start();
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

const reaches = (flowId: string, state: string) =>
  waitFor(
    `${flowId} to reach ${state}`,
    async () => {
      const flow = await dial.get(flowId);
      return flow?.state === state ? flow : undefined;
    },
    5_000,
  );

test("a state's timer fires as an event of the flow and takes its transition", async () => {
  await dial.start("t-miss", {});
  const flow = await reaches("t-miss", "Missed");
  assert.is(flow.status, "ended");
  assert.equal(flow.context.trail, ["ring:fsm.start", "miss:fsm.timer"]);
});

test("entering a state records its armed timers and entry token; leaving it replaces them", async () => {
  await dial.start("t-arm", {});
  await waitFor("the start to apply", async () => (await dial.get("t-arm"))?.version === 1);
  const ringing = await inspectFlow(redis, "Dial", "t-arm");
  assert.equal(
    (ringing.timers as { id: string }[]).map((t) => t.id),
    ["Ringing/300ms"],
  );
  const deadline = ringing.deadline as { id: string; kind: string; due: number };
  assert.equal([deadline.id, deadline.kind], ["deadline", "deadline"]);
  assert.ok(deadline.due > (ringing.created ?? 0));
  assert.match(ringing.entry ?? "", /^\d+\.1$/);
  // The flow hash keeps no due time per timer: inspect reads it from the timer's shard.
  const due = ringing.timers?.[0]?.due ?? 0;
  assert.ok(due >= (ringing.created ?? 0) + 300 && due <= Date.now() + 300, `due ${due}`);
  await dial.send("t-arm", { type: "Answered" });
  await reaches("t-arm", "Talking");
  const talking = await inspectFlow(redis, "Dial", "t-arm");
  assert.equal(talking.timers, []);
  assert.match(talking.entry ?? "", /^\d+\.2$/);
});

test("a timer of a state that was left has no effect", async () => {
  await dial.start("t-left", {});
  await dial.send("t-left", { type: "Answered" });
  await reaches("t-left", "Talking");
  // Wait past the Ringing timer's due time: the deadline ends the flow, never the Ringing timer.
  const flow = await reaches("t-left", "TimedOut");
  assert.equal(flow.context.trail, ["ring:fsm.start", "timeout:fsm.deadline"]);
});

test("re-entering a state re-arms its timer: the timer of the earlier entry is dropped", async () => {
  await dial.start("t-again", {});
  await waitFor("the start to apply", async () => (await dial.get("t-again"))?.version === 1);
  const first = (await inspectFlow(redis, "Dial", "t-again")).entry;
  await dial.send("t-again", { type: "Ping" });
  await waitFor("the re-entry", async () => (await inspectFlow(redis, "Dial", "t-again")).entry !== first);
  // A delivery of the first entry's timer (as a lease expiry could cause) arrives late: it must be dropped.
  const droppedBefore = runtime.metrics().droppedTimers;
  await redis.rpush(
    "fsm:{Dial:t-again}:q",
    JSON.stringify({ seq: 99, id: "", at: 0, event: { type: "fsm.timer", timer: "Ringing/300ms", state: "Ringing", ms: 300, entry: first } }),
  );
  await dial.send("t-again", { type: "Ping" });
  await waitFor("the stale timer event to be dropped", () => runtime.metrics().droppedTimers > droppedBefore);
  assert.is((await dial.get("t-again"))?.state, "Ringing");
  const flow = await reaches("t-again", "Missed");
  assert.equal(flow.context.trail, ["ring:fsm.start", "ring:Ping", "ring:Ping", "miss:fsm.timer"]);
});

test("on a standalone Redis the commit itself re-arms a state's timer: an event that re-enters it costs two script calls", async () => {
  await dial.start("t-calls", {});
  await waitFor("the start to apply", async () => (await dial.get("t-calls"))?.version === 1);
  const before = await inspectFlow(redis, "Dial", "t-calls");
  const monitor = await openMonitor(server.url);
  const calls: string[][] = [];
  // The flow's own keys carry its hash tag; a timer script names it in the member instead.
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (/^eval/i.test(args[0] ?? "") && args.some((a) => a.includes("t-calls"))) calls.push(args);
  });
  try {
    await dial.send("t-calls", { type: "Ping" });
    await waitFor("the re-entry", async () => (await dial.get("t-calls"))?.version === 2);
  } finally {
    monitor.disconnect();
  }
  assert.is(calls.length, 2, calls.map((a) => a.slice(0, 4).join(" ")).join("; "));
  const after = await inspectFlow(redis, "Dial", "t-calls");
  assert.is.not(after.entry, before.entry);
  // Exactly one state timer in the shard for this flow (the deadline's member has no timer part):
  // the new entry's; the old entry's went in the same commit.
  const key = after.timers?.[0]?.key ?? "";
  const members = (await redis.zrange(key, "0", "-1")).filter((m) => m.startsWith("t-calls") && m.split("\u001f").length === 3);
  assert.equal(members, [after.timers?.[0]?.member]);
});

test("a refused commit arms and cancels no timer", async () => {
  const scripts = new HotPathScripts(redis, {
    ttlMs: 10_000,
    batch: 32,
    seenTtlMs: 60_000,
    seenMax: 100,
    retentionMs: 60_000,
    deadLetterMax: 10,
    flowsPerCall: 16,
    lock: "single",
  });
  await dial.start("t-refused", {});
  await waitFor("the start to apply", async () => (await dial.get("t-refused"))?.version === 1);
  const armed = (await inspectFlow(redis, "Dial", "t-refused")).timers ?? [];
  const key = armed[0]?.key ?? "";
  const shardBefore = await redis.zrange(key, "0", "-1", "WITHSCORES");
  const reply = await scripts.commit(flowKeys("Dial", "t-refused"), {
    token: "not-the-holder",
    epoch: 999,
    expectedVersion: 1,
    applied: 1,
    pop: 0,
    headSeq: 0,
    state: "Ringing",
    ctxJson: "",
    timersPacked: "",
    deadlinePacked: "",
    ended: false,
    deadLetter: "",
    release: false,
    timerKey: key,
    arm: [{ member: "t-refused\u001f9.9\u001f300ms", ms: 300 }],
    cancel: armed.map((t) => t.member),
    clearAttempts: false,
    migratedFrom: 0,
    machineVersion: 0,
  });
  assert.is(reply.kind, "stale");
  assert.equal(await redis.zrange(key, "0", "-1", "WITHSCORES"), shardBefore);
});

test("the deadline ends a flow from any non-final state, running its actions", async () => {
  await dial.start("t-deadline", {});
  await dial.send("t-deadline", { type: "Answered" });
  const flow = await reaches("t-deadline", "TimedOut");
  assert.is(flow.status, "ended");
  assert.equal((await inspectFlow(redis, "Dial", "t-deadline")).deadline, undefined, "the deadline is cleared when the flow ends");
});

test("onTransition reports a timer's and the deadline's events as the handlers receive them: id, state and ms", async () => {
  // A server of its own: the file's shared runtime must not be the one that delivers these timers.
  const alone = await startRedis();
  const seen: TransitionInfo[] = [];
  const own = new FlowRuntime({ redis: alone.url, timerPollMs: 20, onTransition: (info) => void seen.push(info) });
  const client = registerDial(own);
  await own.start();
  try {
    await client.start("t-hook-timer", {});
    await client.start("t-hook-deadline", {});
    await client.send("t-hook-deadline", { type: "Answered" });
    await waitFor(
      "both flows to end",
      async () => (await client.get("t-hook-timer"))?.status === "ended" && (await client.get("t-hook-deadline"))?.status === "ended",
      5_000,
    );
    const timer = seen.find((info) => info.flowId === "t-hook-timer" && info.event.type === "fsm.timer");
    assert.equal(timer && { ...timer.event, entry: undefined }, { type: "fsm.timer", timer: "Ringing/300ms", state: "Ringing", ms: 300, entry: undefined });
    const deadline = seen.find((info) => info.flowId === "t-hook-deadline" && info.event.type === "fsm.deadline");
    assert.equal(deadline?.event, { type: "fsm.deadline", ms: 900 });
    assert.is(deadline?.to, "TimedOut");
  } finally {
    await own.close();
    await alone.stop({ cleanup: true });
  }
});

test("timerLeaseMs is the lease the runtime's timer service claims timers under", async () => {
  const monitor = await openMonitor(server.url);
  const leases = new Set<string>();
  // EVALSHA <sha> 1 fsm:timers:{<machine>:<n>} <lease ms> <batch>: the claim script's arguments.
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === "evalsha" && args[3]?.startsWith("fsm:timers:{") && args.length === 6) leases.add(args[4]!);
  });
  try {
    const own = pool.add(new FlowRuntime({ redis: server.url, timerPollMs: 20, timerLeaseMs: 1_234 }));
    registerDial(own);
    await own.start();
    await waitFor("a claim by the runtime's timer service", () => leases.has("1234"));
    await own.close();
  } finally {
    monitor.disconnect();
  }
});

test.run();
