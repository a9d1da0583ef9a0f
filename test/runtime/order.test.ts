// Per-flow order across processes: each flow's events go through different runtime processes, and apply in the order acknowledged.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startRedis, type RedisServer } from "../support/redis.js";
import { eachLimited, readCalls } from "./support/flows.js";
import { waitFor } from "./support/wait-for.js";
import { WorkerPool, type Worker } from "./support/workers.js";

let server: RedisServer;
let redis: Redis;
const workers = new WorkerPool();
let processes: Worker[] = [];

const FLOWS = 300;
const EVENTS = 8;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const options = { redis: server.url, lockTtlMs: 2_000, sweepIntervalMs: 500 };
  processes = await Promise.all([1, 2, 3].map(() => workers.spawn({ options })));
});

test.after(async () => {
  await workers.stopAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test(`${FLOWS} flows × ${EVENTS} events, each sent through a different process than the last, apply in the order sent`, async () => {
  const flowIds = Array.from({ length: FLOWS }, (_, i) => `order-${i}`);
  await eachLimited(flowIds, 100, async (flowId) => {
    const offset = Number(flowId.slice(6));
    await processes[offset % 3]!.start(flowId);
    for (let n = 1; n <= EVENTS; n++) await processes[(offset + n) % 3]!.send(flowId, { type: "Note", n });
  });

  const flows = await waitFor(
    "every flow to apply every event",
    async () => {
      const read = await readCalls(redis, flowIds);
      return [...read.values()].every((f) => f.version === EVENTS + 1) ? read : undefined;
    },
    30_000,
  );
  const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
  for (const [flowId, flow] of flows) assert.equal(flow.notes, expected, `notes of ${flowId}`);

  const metrics = await Promise.all(processes.map((p) => p.metrics()));
  assert.is(
    metrics.reduce((n, m) => n + m.applied, 0),
    FLOWS * (EVENTS + 1),
    "every event applied exactly once",
  );
  assert.is(
    metrics.reduce((n, m) => n + m.staleCommits, 0),
    0,
  );
  assert.ok(
    metrics.every((m) => m.applied > 0),
    "every process did part of the work",
  );
});

test.run();
