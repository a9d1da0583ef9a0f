// A runtime process killed mid-drain: the sweeper of another process finishes its flows, nothing lost or applied twice.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startRedis, type RedisServer } from "../support/redis.js";
import { readCalls } from "./support/flows.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { WorkerPool } from "./support/workers.js";

let server: RedisServer;
let redis: Redis;
const workers = new WorkerPool();
const pool = new RuntimePool();

const FLOWS = 20;
const EVENTS = 10;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after(async () => {
  await workers.stopAll();
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("after SIGKILL of the owner mid-drain, the sweeper of a live process finishes every flow exactly once", async () => {
  const options = { redis: server.url, lockTtlMs: 800, sweepIntervalMs: 200 };
  const doomed = await workers.spawn({ options, noteDelayMs: 50 });
  const flowIds = Array.from({ length: FLOWS }, (_, i) => `crash-${i}`);
  await Promise.all(
    flowIds.map(async (flowId) => {
      await doomed.start(flowId);
      for (let n = 1; n <= EVENTS; n++) await doomed.send(flowId, { type: "Note", n });
    }),
  );
  await waitFor("drains to be under way", async () => {
    const flows = [...(await readCalls(redis, flowIds)).values()];
    return flows.some((f) => f.version > 1) && flows.filter((f) => f.queued > 0).length >= FLOWS / 2;
  });
  doomed.kill("SIGKILL");
  await doomed.exited;
  const midway = [...(await readCalls(redis, flowIds)).values()];
  assert.ok(
    midway.some((f) => f.queued > 0),
    "events were left queued by the dead owner",
  );

  const survivor = await pool.call(options);
  const flows = await waitFor(
    "the sweeper to finish every flow",
    async () => {
      const read = await readCalls(redis, flowIds);
      return [...read.values()].every((f) => f.version === EVENTS + 1 && f.queued === 0) ? read : undefined;
    },
    15_000,
  );
  const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
  for (const [flowId, flow] of flows) assert.equal(flow.notes, expected, `notes of ${flowId}`);
  assert.ok(survivor.runtime.metrics().swept >= 1);
});

test.run();
