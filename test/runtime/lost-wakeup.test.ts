// No lost wakeup: events enqueued while the owner is finishing its drain are always processed, without help from the sweeper.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startRedis, type RedisServer } from "../support/redis.js";
import { eachLimited, readCalls } from "./support/flows.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();

const FLOWS = 40;
const ROUNDS = 60;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test(`${FLOWS * ROUNDS} rounds of two racing enqueues (one per runtime) leave no event queued without an owner`, async () => {
  // The sweeper is kept out of it: only the enqueue/commit handshake may pick events up.
  const options = { redis: server.url, sweepIntervalMs: 600_000 };
  const a = await pool.call(options);
  const b = await pool.call(options);
  const flowIds = Array.from({ length: FLOWS }, (_, i) => `wake-${i}`);
  await Promise.all(flowIds.map((id) => a.client.start(id, { caller: id })));

  await eachLimited(flowIds, FLOWS, async (flowId) => {
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all([a.client.send(flowId, { type: "Note", n: 2 * round }), b.client.send(flowId, { type: "Note", n: 2 * round + 1 })]);
    }
  });

  const flows = await waitFor(
    "every queue to drain",
    async () => {
      const read = await readCalls(redis, flowIds);
      return [...read.values()].every((f) => f.queued === 0 && f.version === 1 + 2 * ROUNDS) ? read : undefined;
    },
    15_000,
  );
  for (const [flowId, flow] of flows) assert.is(flow.notes.length, 2 * ROUNDS, `every note of ${flowId} applied once`);
  assert.is(await redis.keys("fsm:{Call:*}:lock").then((k) => k.length), 0, "no lock left behind");
  const swept = a.runtime.metrics().swept + b.runtime.metrics().swept;
  assert.is(swept, 0);
});

test.run();
