// Timers on a Redis Cluster: every script touches one shard key, so arming, claiming, acking and the watchdog's scan work across slots.
import type { Cluster } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { TimerService, TimerStore, timerShardKey, type DueTimer } from "../../runtime/timers/index.js";
import { listStuckFlows } from "../../runtime/watchdog.js";
import { startCluster, type TestCluster } from "./timers-support/cluster.js";

let cluster: TestCluster;
let client: Cluster;

test.before(async () => {
  cluster = await startCluster();
  client = cluster.client();
});

test.after(async () => {
  client.disconnect();
  await cluster.stop();
});

test("timers of flows in every shard are armed, delivered once each and acked on a cluster", async () => {
  // Sixteen shards: enough slots that every node of the cluster holds some.
  const store = new TimerStore(client, { shards: 16 });
  const flows = Array.from({ length: 200 }, (_, i) => `flow-${i}`);
  const armed = (await Promise.all(flows.map((id) => store.arm("M", id, "1.1", [{ id: "Waiting/t", state: "Waiting", ms: 50, kind: "timer" }])))).flat();
  assert.is(new Set(armed.map((t) => t.shard)).size, 16);
  const delivered = new Map<string, number>();
  const service = new TimerService(client, store, async (t: DueTimer) => void delivered.set(t.flowId, (delivered.get(t.flowId) ?? 0) + 1), { pollMs: 20 });
  service.start();
  const limit = Date.now() + 10_000;
  while (service.stats.acked < flows.length && Date.now() < limit) await new Promise((resolve) => setTimeout(resolve, 20));
  await service.stop();
  assert.is(delivered.size, flows.length);
  assert.ok([...delivered.values()].every((n) => n === 1));
  for (let shard = 0; shard < 16; shard++) assert.is(await client.zcard(timerShardKey("M", shard)), 0);
});

test("the watchdog scans every master of the cluster", async () => {
  const store = new TimerStore(client);
  const flows = Array.from({ length: 30 }, (_, i) => `late-${i}`);
  for (const id of flows) {
    const [deadline] = await store.arm("M", id, "1.0", [{ id: "deadline", state: "", ms: 1, kind: "deadline" }]);
    await client.hset(`fsm:{M:${id}}:s`, { [F.state]: "Waiting", [F.deadline]: store.pack([deadline!]) });
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const report = await listStuckFlows(client, { graceMs: 0 });
  assert.equal(report.pastDeadline.map((f) => f.flowId).sort(), [...flows].sort());
});

test.run();
