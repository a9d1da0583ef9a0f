// Redlock mode: the processor lock over three independent lock servers (quorum), the epoch fence still guarding commits.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { LockUnavailableError } from "../../runtime/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { eachLimited, readCalls } from "./support/flows.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { WorkerPool } from "./support/workers.js";

let flowsServer: RedisServer;
let lockServers: RedisServer[] = [];
let redis: Redis;
const workers = new WorkerPool();
const pool = new RuntimePool();

test.before(async () => {
  [flowsServer, ...lockServers] = await Promise.all([startRedis(), startRedis(), startRedis(), startRedis()]);
  redis = new Redis(flowsServer.url);
});

test.after(async () => {
  await workers.stopAll();
  await pool.closeAll();
  redis.disconnect();
  await Promise.all([flowsServer, ...lockServers].map((s) => s.stop({ cleanup: true })));
});

const options = () => ({ redis: flowsServer.url, locks: lockServers.map((s) => s.url), lockTtlMs: 2_000, sweepIntervalMs: 300 });

test("across three processes, every flow's events apply in the order sent", async () => {
  const processes = await Promise.all([1, 2, 3].map(() => workers.spawn({ options: options() })));
  const FLOWS = 120;
  const EVENTS = 6;
  const flowIds = Array.from({ length: FLOWS }, (_, i) => `rl-order-${i}`);
  await eachLimited(flowIds, 60, async (flowId) => {
    const offset = Number(flowId.slice("rl-order-".length));
    await processes[offset % 3]!.start(flowId);
    for (let n = 1; n <= EVENTS; n++) await processes[(offset + n) % 3]!.send(flowId, { type: "Note", n });
  });
  const flows = await waitFor(
    "every flow to apply every event",
    async () => {
      const read = await readCalls(redis, flowIds);
      return [...read.values()].every((f) => f.version === EVENTS + 1 && f.queued === 0) ? read : undefined;
    },
    30_000,
  );
  for (const [flowId, flow] of flows) assert.equal(flow.notes, [1, 2, 3, 4, 5, 6], `notes of ${flowId}`);
  assert.is(await redis.keys("fsm:*:lock").then((k) => k.length), 0, "no lock key beside the flows in Redlock mode");
  const metrics = await Promise.all(processes.map((p) => p.metrics()));
  assert.is(
    metrics.reduce((n, m) => n + m.applied, 0),
    FLOWS * (EVENTS + 1),
  );
  assert.is(
    metrics.reduce((n, m) => n + m.lockUnavailable, 0),
    0,
    "the lock servers were reachable all along",
  );
  await Promise.all(processes.map((p) => p.close()));
});

test("with one of three lock servers down, flows keep being processed", async () => {
  const { client: call } = await pool.call(options());
  await lockServers[0]!.stop();
  try {
    await call.start("rl-one-down", { caller: "a" });
    for (let n = 1; n <= 5; n++) await call.send("rl-one-down", { type: "Note", n });
    const flow = await waitFor(
      "the flow to apply its events",
      async () => {
        const f = await call.get("rl-one-down");
        return f?.version === 6 ? f : undefined;
      },
      10_000,
    );
    assert.equal(flow.context.notes, [1, 2, 3, 4, 5]);
  } finally {
    await lockServers[0]!.restart();
  }
});

test("with two of three lock servers down, processing waits with LockUnavailableError and resumes when they return, nothing lost", async () => {
  const errors: unknown[] = [];
  const { client: call } = await pool.call({ ...options(), onError: (error, context) => context.phase === "lock" && errors.push(error) });
  await call.start("rl-two-down", { caller: "a" });
  await waitFor("the start to apply", async () => (await call.get("rl-two-down"))?.version === 1);

  await Promise.all([lockServers[1]!.stop(), lockServers[2]!.stop()]);
  for (let n = 1; n <= 5; n++) await call.send("rl-two-down", { type: "Note", n }); // acks still work: the events are in the flow's queue
  await waitFor("a lock error in the hook", () => errors.length > 0);
  const error = errors[0] as LockUnavailableError;
  assert.instance(error, LockUnavailableError);
  assert.match(error.message, "cannot reach a quorum of lock servers");
  assert.is((await call.get("rl-two-down"))?.version, 1, "nothing applied without the lock");
  assert.is(await redis.llen("fsm:{Call:rl-two-down}:q"), 5);

  await Promise.all([lockServers[1]!.restart(), lockServers[2]!.restart()]);
  const flow = await waitFor(
    "processing to resume",
    async () => {
      const f = await call.get("rl-two-down");
      return f?.version === 6 ? f : undefined;
    },
    15_000,
  );
  assert.equal(flow.context.notes, [1, 2, 3, 4, 5]);
});

test.run();
