// `consistency: "replicated"`: a send is acknowledged only once WAIT confirms the replicas; short of them, ReplicationError.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { ReplicationError } from "../../runtime/index.js";
import { startRedis, startReplica, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let primary: RedisServer;
let replica: RedisServer;
let onReplica: Redis;
const pool = new RuntimePool();

test.before(async () => {
  primary = await startRedis();
  replica = await startReplica(primary);
  onReplica = new Redis(replica.url);
});

test.after(async () => {
  replica.process.kill("SIGCONT");
  await pool.closeAll();
  onReplica.disconnect();
  await replica.stop({ cleanup: true });
  await primary.stop({ cleanup: true });
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, the call succeeded");
}

test("every acknowledged event is already on the replica", async () => {
  const { client: call } = await pool.call({ redis: primary.url, consistency: "replicated" });
  await call.start("rep-1", { caller: "a" });
  for (let n = 1; n <= 20; n++) {
    await call.send("rep-1", { type: "Note", n });
    assert.is(await onReplica.hget("fsm:{Call:rep-1}:s", F.lastSeq), String(n + 1), `event ${n} on the replica at ack time`);
  }
});

test("with the replica stalled, the send fails with ReplicationError saying the event is on the primary but not confirmed", async () => {
  const { client: call } = await pool.call({ redis: primary.url, consistency: { replicas: 1, timeoutMs: 300 } });
  await call.start("rep-2", { caller: "a" });
  replica.process.kill("SIGSTOP");
  let error: Error;
  try {
    error = await refusal(call.send("rep-2", { type: "Note", n: 1 }));
  } finally {
    replica.process.kill("SIGCONT");
  }
  assert.instance(error, ReplicationError);
  assert.is((error as ReplicationError).code, "REPLICATION_TIMEOUT");
  assert.match(error.message, "only 0 of 1 replica(s) confirmed the event within 300 ms");
  assert.match(error.message, "enqueued on the primary but not confirmed");
  await waitFor("the unconfirmed event to be processed all the same", async () => (await call.get("rep-2"))?.version === 2);
});

test("asking for more replicas than exist fails after the timeout, naming how many confirmed", async () => {
  const { client: call } = await pool.call({ redis: primary.url, consistency: { replicas: 2, timeoutMs: 200 } });
  const error = await refusal(call.start("rep-3", { caller: "a" }));
  assert.instance(error, ReplicationError);
  assert.equal([(error as ReplicationError).required, (error as ReplicationError).confirmed], [2, 1]);
});

test.run();
