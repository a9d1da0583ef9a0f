// Flows run to their end on the version they started on; versions are honest; migrations move old flows once.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import {
  FlowRuntime,
  VersionConflictError,
  VersionUnavailableError,
  type FlowRuntimeOptions,
  type MachineDefinition,
  type TransitionInfo,
} from "../../runtime/index.js";
import { definitionHash } from "../../runtime/definition-hash.js";
import { inspectFlow } from "../../runtime/ops.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { runFsmc } from "../support/run-fsmc.js";
import { OrderV1, OrderV2, OrderV3, orderHandlers } from "./fixtures/order.js";
import { waitFor } from "./support/wait-for.js";
import { WorkerPool } from "./support/workers.js";

let server: RedisServer;
let redis: Redis;
const runtimes: FlowRuntime[] = [];
const workers = new WorkerPool();

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

// Each test's runtimes and worker processes stop with it, and its flows go: one left running would take the next test's flows.
test.after.each(async () => {
  await workers.stopAll();
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  await redis.flushall();
});

test.after(async () => {
  redis.disconnect();
  await server.stop({ cleanup: true });
});

function runtime(options: Partial<FlowRuntimeOptions> = {}): FlowRuntime {
  const r = new FlowRuntime({ redis: server.url, sweepIntervalMs: 100, ...options });
  runtimes.push(r);
  return r;
}

const handlers = orderHandlers as never;
type Order = { state: string; status: string; version: number; context: { log: string[] }; machineVersion: number };

async function flow(client: { get(id: string): Promise<unknown> }, flowId: string): Promise<Order> {
  return (await client.get(flowId)) as Order;
}

test("the same version with other content is refused with both hashes; the identical definition is accepted again", async () => {
  const first = runtime();
  first.register(OrderV1 as never, handlers);
  await first.start();
  await first.close();

  const same = runtime();
  same.register({ ...OrderV1 } as never, handlers);
  await same.start();

  const changed: MachineDefinition = { ...OrderV1, initial: "Busy" };
  const other = runtime();
  other.register(changed as never, handlers);
  try {
    await other.start();
    assert.unreachable("a changed definition under the same version started");
  } catch (error) {
    assert.instance(error, VersionConflictError);
    const e = error as VersionConflictError;
    assert.is(e.code, "VERSION_CONFLICT");
    assert.is(e.storedHash, definitionHash(OrderV1));
    assert.is(e.hash, definitionHash(changed));
    assert.match(e.message, `machine Order version 1 is already stored with content hash ${e.storedHash}, and this definition hashes to ${e.hash}`);
  }
  // A runtime that only sends is refused at its first start of a flow.
  const sender = runtime();
  const orders = sender.register(changed as never, handlers);
  const refused = await (orders as { start(id: string, ctx: object): Promise<void> }).start("o-x", {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(refused, VersionConflictError);
  assert.is(await redis.exists("fsm:{Order:o-x}:s"), 0, "nothing was started");
});

test("flows started on version 1 in two processes finish on version 1 after both restart with version 2 only; new flows follow version 2", async () => {
  const unhandled: string[] = [];
  const options = { redis: server.url, sweepIntervalMs: 100 };
  const v1 = [await workers.spawn({ options, orderVersions: [1] }), await workers.spawn({ options, orderVersions: [1] })];
  const ids = Array.from({ length: 200 }, (_, i) => `o-${i}`);
  await Promise.all(ids.map((id, i) => v1[i % 2]!.orderStart(id)));
  // Half of them move on to Busy (where version 1 has a 200 ms timer) before the deploy.
  const busy = ids.filter((_, i) => i % 2 === 0);
  await Promise.all(busy.map((id, i) => v1[i % 2]!.orderSend(id, "Go")));
  const reader = runtime();
  const orders = reader.register(OrderV1 as never, handlers);
  await waitFor("version 1 to apply every start and Go", async () =>
    (await Promise.all(ids.map((id) => flow(orders as never, id)))).every((f, i) => f.version === (i % 2 === 0 ? 2 : 1)),
  );
  await workers.stopAll();

  const v2 = [await workers.spawn({ options, orderVersions: [2] }), await workers.spawn({ options, orderVersions: [2] })];
  for (const worker of v2) worker.on((m) => void (m.kind === "unhandled" && unhandled.push(`${m.flowId} ${m.state} ${m.eventType}`)));
  const idle = ids.filter((_, i) => i % 2 === 1);
  // Go is handled by version 1 in Idle, a state version 2 does not have.
  await Promise.all(idle.map((id, i) => v2[i % 2]!.orderSend(id, "Go")));
  await Promise.all(ids.slice(0, 20).map((id, i) => v2[i % 2]!.orderStart(`new-${id}`)));
  await waitFor(
    "every old flow to end on version 1",
    async () => {
      const flows = await Promise.all(ids.map((id) => flow(orders as never, id)));
      return flows.every((f) => f.status === "ended");
    },
    20_000,
  );
  for (const id of ids) {
    const f = await flow(orders as never, id);
    // Every old flow reached Busy and ended through version 1's 200 ms timer: version 2 has neither.
    assert.is(f.state, "Late", id);
    assert.equal(f.context.log, ["Go", "timer"], id);
    assert.is(f.machineVersion, 1, id);
  }
  assert.equal(unhandled, [], "nothing version 1 handles went to onUnhandled");
  const fresh = await flow(orders as never, "new-o-0");
  assert.is(fresh.state, "New");
  assert.is(fresh.machineVersion, 2);
  await v2[1]!.orderSend("new-o-0", "Go");
  await waitFor("the new flow to follow version 2", async () => (await flow(orders as never, "new-o-0")).state === "Working");
});

test("a process lacking an old version's handlers leaves its flows to one that has them", async () => {
  const old = runtime();
  const c1 = old.register(OrderV1 as never, handlers) as { start(id: string, ctx: object): Promise<void>; send(id: string, e: object): Promise<void> };
  await old.start();
  await c1.start("left-1", {});
  await waitFor("the start to apply", async () => (await flow(c1 as never, "left-1")).version === 1);
  await old.close();

  // Version 2 whose handlers have no `mark`: it renames the action.
  const renamed: MachineDefinition = JSON.parse(JSON.stringify(OrderV2).replaceAll('"mark"', '"note"')) as MachineDefinition;
  const errors: unknown[] = [];
  const lacking = runtime({ onError: (error) => void errors.push(error) });
  const c2 = lacking.register(renamed as never, { guards: {}, actions: { note: orderHandlers.actions.mark } } as never) as typeof c1;
  await lacking.start();
  await c2.send("left-1", { type: "Go" });
  const error = (await waitFor("the flow to be left", () => errors.find((e) => e instanceof VersionUnavailableError))) as VersionUnavailableError;
  assert.is(error.code, "VERSION_UNAVAILABLE");
  assert.is(error.version, 1);
  assert.match(error.message, "machine Order version 1 cannot run in this process: the handlers registered here lack action mark");
  assert.is((await flow(c2 as never, "left-1")).state, "Idle");
  assert.ok(lacking.metrics().leftForOtherVersions >= 1);

  // The lacking process took the flow over again and again; each gave back the attempt its takeover counted.
  await waitFor("a few more takeovers", async () => lacking.metrics().leftForOtherVersions >= 3);
  await lacking.close();

  // A process registering both versions explicitly runs it, as the first attempt.
  const attempts: number[] = [];
  const mark = (ctx: { log: string[] }, e: { type: string }, io: { attempt: number }) => {
    attempts.push(io.attempt);
    return orderHandlers.actions.mark(ctx, e);
  };
  const both = runtime();
  both.register(OrderV1 as never, { guards: {}, actions: { mark } } as never);
  const c3 = both.register(renamed as never, { guards: {}, actions: { note: mark } } as never) as typeof c1;
  await both.start();
  await waitFor("version 1 to apply Go", async () => (await flow(c3 as never, "left-1")).state === "Busy");
  assert.equal(attempts, [1], "leaving the flow cost it no attempts");
  const view = await inspectFlow(redis, "Order", "left-1");
  assert.is(view.queue.length, 0);
  assert.is(view.deadLetters.length, 0);
});

test("a migration moves a version 1 flow once, when it is next taken: mapped state, its timers armed, context carried, reported", async () => {
  const old = runtime();
  const c1 = old.register(OrderV1 as never, handlers) as { start(id: string, ctx: object): Promise<void>; send(id: string, e: object): Promise<void> };
  await old.start();
  await c1.start("mig-1", { log: ["before"] });
  await c1.start("mig-2", {});
  await c1.send("mig-2", { type: "Go" });
  await waitFor("version 1 to apply", async () => (await flow(c1 as never, "mig-1")).version === 1 && (await flow(c1 as never, "mig-2")).state === "Busy");
  await old.close();

  const transitions: TransitionInfo[] = [];
  const next = runtime({ onTransition: (info) => void transitions.push(info) });
  const c3 = next.register(OrderV3 as never, handlers) as typeof c1;
  await next.start();
  await c3.send("mig-1", { type: "Go" });
  await waitFor("mig-1 to move and apply Go", async () => (await flow(c3 as never, "mig-1")).state === "Working");
  const moved = await flow(c3 as never, "mig-1");
  assert.is(moved.machineVersion, 3);
  assert.equal(moved.context.log, ["before", "Go"], "the context was carried over, and version 3's Go applied");
  const reported = transitions.filter((t) => t.flowId === "mig-1");
  assert.equal(
    reported.map((t) => [t.from, t.to, t.event.type]),
    [
      ["Idle", "New", "fsm.migrate"],
      ["New", "Working", "Go"],
    ],
  );
  assert.equal(reported[0]!.event, { type: "fsm.migrate", from: 1, to: 3 });
  const inspected = await inspectFlow(redis, "Order", "mig-1");
  assert.is(inspected.machineVersion, 3);
  assert.is(inspected.migratedFrom, 1, "inspect shows where the flow came from");
  // Version 3's Working timer ends it: armed when Go entered Working after the migration.
  await waitFor("Working's 300 ms timer", async () => (await flow(c3 as never, "mig-1")).state === "End", 5_000);

  // mig-2 sits in Busy with version 1's 200 ms timer armed: the migration cancels it and arms Working's.
  await c3.send("mig-2", { type: "Ping" });
  await waitFor("mig-2 to move", async () => (await flow(c3 as never, "mig-2")).machineVersion === 3);
  const m2 = await flow(c3 as never, "mig-2");
  assert.is(m2.state, "Working");
  await waitFor("mig-2 to end through version 3's timer", async () => (await flow(c3 as never, "mig-2")).state === "End", 5_000);
  assert.equal((await flow(c3 as never, "mig-2")).context.log, ["Go", "Ping", "timer"], "version 1's Busy timer never fired");
});

test("migrating under load: two processes of version 3, pings sent meanwhile and the command run twice at once: every flow moves once, no ping lost, doubled or reordered, the mapped state's timer armed", async () => {
  const old = runtime();
  const c1 = old.register(OrderV1 as never, handlers) as { start(id: string, ctx: object): Promise<void> };
  await old.start();
  const ids = Array.from({ length: 40 }, (_, i) => `load-${i}`);
  await Promise.all(ids.map((id) => c1.start(id, {})));
  await waitFor("the starts to apply", async () => (await Promise.all(ids.map((id) => flow(c1 as never, id)))).every((f) => f.version === 1));
  await old.close();

  const options = { redis: server.url, sweepIntervalMs: 100 };
  await workers.spawn({ options, orderVersions: [3] });
  await workers.spawn({ options, orderVersions: [3] });
  // This process only sends (it is never started): the two workers take every flow.
  const sender = runtime();
  const c3 = sender.register(OrderV3 as never, handlers) as { send(id: string, e: object): Promise<void> };
  const pings = Promise.all(
    ids.map(async (id) => {
      for (let n = 1; n <= 5; n++) await c3.send(id, { type: "Ping", n });
    }),
  );
  const commands = Promise.all([1, 2].map(() => runFsmc(["flows", "migrate", "Order", "--from", "1", "--redis", server.url, "--json"])));
  const [runs] = await Promise.all([commands, pings]);
  for (const run of runs) assert.is(run.code, 0, run.stderr);
  await waitFor(
    "every ping to apply",
    async () => (await Promise.all(ids.map((id) => flow(c3 as never, id)))).every((f) => f.context.log.length === 5),
    20_000,
  );
  for (const id of ids) {
    const f = await flow(c3 as never, id);
    assert.equal(f.context.log, ["Ping:1", "Ping:2", "Ping:3", "Ping:4", "Ping:5"], id);
    assert.is(f.state, "New", id);
    const view = await inspectFlow(redis, "Order", id);
    assert.is(view.machineVersion, 3, id);
    assert.is(view.migratedFrom, 1, id);
    assert.equal(
      view.timers?.map((t) => [t.id, t.due !== undefined]),
      [["New/60s", true]],
      `${id}: the mapped state's timer is armed`,
    );
    assert.is(view.queue.length, 0, id);
    assert.is(view.deadLetters.length, 0, id);
  }
});

test("flows of a version no live process runs are named by flows stuck; fsmc flows migrate gets them moved, and running it again is harmless", async () => {
  const old = runtime();
  const c1 = old.register(OrderV1 as never, handlers) as { start(id: string, ctx: object): Promise<void>; send(id: string, e: object): Promise<void> };
  await old.start();
  await c1.start("u-1", {});
  await c1.start("u-2", {});
  await waitFor("the starts to apply", async () => (await flow(c1 as never, "u-1")).version === 1 && (await flow(c1 as never, "u-2")).version === 1);
  await old.close();
  // A sender that does not drain queues an event for u-1: no live process runs version 1 now.
  const sender = runtime();
  const cs = sender.register(OrderV1 as never, handlers) as typeof c1;
  await cs.send("u-1", { type: "Go" });
  await redis.del("fsm:runners:{Order}");
  await new Promise((resolve) => setTimeout(resolve, 120));

  const stuck = await runFsmc(["flows", "stuck", "--redis", server.url, "--lock-ttl", "100", "--json"]);
  assert.is(stuck.code, 0, stuck.stderr);
  const report = JSON.parse(stuck.stdout) as {
    unrunnable: { machine: string; flowId: string; version: number; runnable: number[] }[];
    orphanedQueues: unknown[];
  };
  assert.equal(
    report.unrunnable.map((u) => [u.machine, u.flowId, u.version, u.runnable]),
    [["Order", "u-1", 1, []]],
  );
  assert.equal(report.orphanedQueues, []);

  // Version 3 migrates version 1's flows; u-2 has nothing queued, so the command gets it taken.
  const next = runtime();
  const c3 = next.register(OrderV3 as never, handlers) as typeof c1;
  await next.start();
  const first = await runFsmc(["flows", "migrate", "Order", "--from", "1", "--redis", server.url, "--json"]);
  assert.is(first.code, 0, first.stderr);
  const moved = JSON.parse(first.stdout) as { to: number; queued: string[]; unmapped: unknown[] };
  assert.is(moved.to, 3);
  assert.ok(moved.queued.includes("u-2"), first.stdout);
  await waitFor(
    "u-1 and u-2 to move to version 3",
    async () => (await flow(c3 as never, "u-1")).machineVersion === 3 && (await flow(c3 as never, "u-2")).machineVersion === 3,
  );
  assert.is((await flow(c3 as never, "u-2")).state, "New");
  // u-1 moved, then its queued Go entered version 3's Working (whose 300 ms timer may have ended it since).
  assert.is((await flow(c3 as never, "u-1")).context.log[0], "Go");
  assert.ok(["Working", "End"].includes((await flow(c3 as never, "u-1")).state));
  const again = await runFsmc(["flows", "migrate", "Order", "--from", "1", "--redis", server.url, "--json"]);
  assert.is(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { queued: string[] }).queued, [], "nothing left of version 1");
  const view = await inspectFlow(redis, "Order", "u-2");
  assert.is(view.queue.length, 0);
  assert.is(view.deadLetters.length, 0);

  const none = await runFsmc(["flows", "migrate", "Order", "--from", "2", "--redis", server.url]);
  assert.is(none.code, 1);
  assert.match(none.stderr, "fsmc flows migrate: no stored version of Order has a 'migrate from 2' block");
});

test.run();
