// keyPrefix on a Redis Cluster: given in the Cluster's options or its redisOptions, every key is prefixed and keeps its hash tag.
import { Cluster } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startCluster, type RedisCluster } from "../support/redis.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { FlowRuntime } from "../../runtime/index.js";

let cluster: RedisCluster;
let admin: Cluster;
const pool = new RuntimePool();

test.before(async () => {
  cluster = await startCluster(3);
  admin = new Cluster(cluster.seeds);
});

test.after(async () => {
  await pool.closeAll();
  admin.disconnect();
  await cluster.stop({ cleanup: true });
});

test("two runtimes, one prefix in the Cluster's options and one in its redisOptions, keep the same flow id apart", async () => {
  const runtimes = [
    pool.add(new FlowRuntime({ redis: { cluster: cluster.seeds, options: { keyPrefix: "app-c:" } }, timerPollMs: 20 })),
    pool.add(new FlowRuntime({ redis: { cluster: cluster.seeds, options: { redisOptions: { keyPrefix: "app-d:" } } }, timerPollMs: 20 })),
  ];
  const [c, d] = [runtimes[0]!.register(Call, callHandlers()), runtimes[1]!.register(Call, callHandlers())];
  await Promise.all(runtimes.map((runtime) => runtime.start()));
  await c.start("cl-1", { caller: "c" });
  await d.start("cl-1", { caller: "d" });
  await c.send("cl-1", { type: "Note", n: 1 });
  await d.send("cl-1", { type: "Note", n: 2 });
  for (const [client, caller, note] of [
    [c, "c", 1],
    [d, "d", 2],
  ] as const) {
    const flow = await waitFor(
      `${caller}'s note`,
      async () => {
        const read = await client.get("cl-1");
        return read?.context.notes.length === 1 ? read : undefined;
      },
      30_000,
    );
    assert.equal([flow.context.caller, flow.context.notes], [caller, [note]]);
  }

  const keys: string[] = [];
  for (const node of admin.nodes("master")) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "COUNT", 1_000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0");
  }
  assert.equal(
    keys.filter((key) => !key.startsWith("app-c:") && !key.startsWith("app-d:")),
    [],
    "keys outside both key spaces",
  );
  assert.ok(keys.includes("app-c:fsm:{Call:cl-1}:s") && keys.includes("app-d:fsm:{Call:cl-1}:s"));
  const slot = async (key: string) => Number(await admin.call("CLUSTER", "KEYSLOT", key));
  assert.is(await slot("app-c:fsm:{Call:cl-1}:s"), await slot("fsm:{Call:cl-1}:s"), "the prefix leaves the hash tag deciding the slot");
});

test.run();
