// Flows on a Redis Cluster: every flow script runs on its flow's slot, so flows spread over the nodes and run unchanged.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime } from "../../runtime/index.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { Dial, dialHandlers } from "./fixtures/dial.js";
import { startCluster, type RedisCluster } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let cluster: RedisCluster;
const pool = new RuntimePool();
let runtime: FlowRuntime;
let call: ReturnType<typeof registerCall>;
let dial: ReturnType<typeof registerDial>;

const registerCall = (r: FlowRuntime) => r.register(Call, callHandlers());
const registerDial = (r: FlowRuntime) => r.register(Dial, dialHandlers());

test.before(async () => {
  cluster = await startCluster(3);
  runtime = pool.add(new FlowRuntime({ redis: { cluster: cluster.seeds }, timerPollMs: 20, sweepIntervalMs: 200 }));
  call = registerCall(runtime);
  dial = registerDial(runtime);
  await runtime.start();
});

test.after(async () => {
  await pool.closeAll();
  await cluster.stop({ cleanup: true });
});

test("flows spread over the cluster's nodes apply their events in order and end", async () => {
  const flowIds = Array.from({ length: 30 }, (_, i) => `cl-${i}`);
  await Promise.all(
    flowIds.map(async (flowId) => {
      await call.start(flowId, { caller: flowId });
      for (let n = 1; n <= 5; n++) await call.send(flowId, { type: "Note", n });
      await call.send(flowId, { type: "Hangup" });
    }),
  );
  for (const flowId of flowIds) {
    const flow = await waitFor(`${flowId} to end`, async () => {
      const f = await call.get(flowId);
      return f?.status === "ended" ? f : undefined;
    });
    assert.equal(flow.context.notes, [1, 2, 3, 4, 5], flowId);
  }
  const sizes = await Promise.all(
    cluster.nodes.map(async (node) => {
      const client = new Redis(node.url);
      try {
        return await client.dbsize();
      } finally {
        client.disconnect();
      }
    }),
  );
  assert.ok(sizes.filter((size) => size > 0).length >= 2, `flows on several nodes (keys per node: ${sizes.join(", ")})`);
});

test("state timers fire on a cluster", async () => {
  await dial.start("cl-timer", {});
  const flow = await waitFor(
    "the Ringing timer to end the flow",
    async () => {
      const f = await dial.get("cl-timer");
      return f?.state === "Missed" ? f : undefined;
    },
    5_000,
  );
  assert.equal(flow.context.trail, ["ring:fsm.start", "miss:fsm.timer"]);
});

test("replicated consistency is refused on a cluster target, where WAIT cannot cover every node", () => {
  assert.throws(() => new FlowRuntime({ redis: { cluster: cluster.seeds }, consistency: "replicated" }), /not supported on a Redis Cluster/);
});

test.run();
