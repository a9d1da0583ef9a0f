// A Redis restart (AOF, appendfsync always) between arming and due time: armed timers still fire, and the runtime reconnects by itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FlowRuntime } from "../../runtime/index.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { timedHandlers, waitingMachine, type TimedContext } from "./timers-support/machines.js";

let server: RedisServer;
let runtime: FlowRuntime;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test.before(async () => {
  server = await startRedis(["--appendonly", "yes", "--appendfsync", "always"]);
  runtime = new FlowRuntime({ redis: server.url, timerPollMs: 20, lockTtlMs: 2_000 });
});

test.after(async () => {
  await runtime.close();
  await server.stop({ hard: true, cleanup: true });
});

test("timers armed before a Redis restart fire after it comes back, through the same runtime", async () => {
  const waits = runtime.register(waitingMachine("Restarted", 600), timedHandlers());
  await runtime.start();
  const ids = Array.from({ length: 20 }, (_, i) => `call-${i}`);
  await Promise.all(ids.map((id) => waits.start(id, {})));
  await sleep(150);
  await server.stop({ hard: true });
  await sleep(300);
  await server.restart();
  const limit = Date.now() + 10_000;
  let states: (string | undefined)[] = [];
  while (Date.now() < limit) {
    states = await Promise.all(ids.map(async (id) => (await waits.get(id))?.state));
    if (states.every((s) => s === "Done")) break;
    await sleep(50);
  }
  assert.equal(
    states,
    ids.map(() => "Done"),
  );
  for (const id of ids) assert.is(((await waits.get(id))!.context as TimedContext).fired, 1);
});

test("after the restart the runtime takes new flows and arms their timers", async () => {
  const waits = runtime.register(waitingMachine("AfterRestart", 100), timedHandlers());
  await waits.start("late-call", {});
  const limit = Date.now() + 5_000;
  while ((await waits.get("late-call"))?.state !== "Done" && Date.now() < limit) await sleep(20);
  assert.is((await waits.get("late-call"))?.state, "Done");
});

test.run();
