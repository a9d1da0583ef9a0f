// `fsmc flows dlq` as a real subprocess: lists a flow's dead letters, replays one into a running runtime, refuses ended flows, purges.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { runFsmc, stackFrame } from "../support/run-fsmc.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
/** Notes whose action throws, for as long as they are in the set. */
const failing = new Set<number>();
let call: Awaited<ReturnType<RuntimePool["call"]>>["client"];
let billing: Awaited<ReturnType<RuntimePool["call"]>>["client"];

const probe = {
  onAction: (name: string, event: { type: string }) => {
    if (name === "note" && failing.has((event as unknown as { n: number }).n)) throw new Error(`note ${(event as unknown as { n: number }).n} failed`);
  },
};

const dlq = (...args: string[]) => runFsmc(["flows", "dlq", "Call", ...args, "--redis", server.url]);
/** Whether the flow handed out `seq` queue seqs and its queue is empty: every event applied or dead-lettered. */
const settled = async (flowId: string, seq: number, prefix = "") =>
  Number(await redis.hget(`${prefix}fsm:{Call:${flowId}}:s`, F.lastSeq)) === seq && (await redis.llen(`${prefix}fsm:{Call:${flowId}}:q`)) === 0;
const deadLetters = (flowId: string, prefix = "") => redis.llen(`${prefix}fsm:{Call:${flowId}}:dlq`);

/** Starts a flow, answers it and sends notes `ns` (each in `failing` is dead-lettered); resolves once all are applied or dead-lettered. */
async function flowWithDeadLetters(client: typeof call, flowId: string, ns: number[], prefix = ""): Promise<void> {
  await client.start(flowId, { caller: flowId });
  await client.send(flowId, { type: "Answered" });
  for (const n of ns) await client.send(flowId, { type: "Note", n }, { eventId: `note-${n}` });
  await waitFor(`${flowId} to apply or dead-letter its events`, () => settled(flowId, 2 + ns.length, prefix));
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const options = { retry: { maxAttempts: 2, baseMs: 5, maxMs: 20 }, sweepIntervalMs: 50, onError: () => {} };
  ({ client: call } = await pool.call({ redis: server.url, ...options }, probe));
  ({ client: billing } = await pool.call({ redis: `${server.url}?keyPrefix=billing:`, ...options }, probe));
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("dlq lists a flow's dead letters: number, seq, event, id, state, attempts and error", async () => {
  failing.add(7);
  await flowWithDeadLetters(call, "dl-1", [7]);
  const { code, stdout, stderr } = await dlq("dl-1");
  assert.is(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.is(lines[0], "flow Call/dl-1 (active): 1 dead letter(s)");
  assert.match(
    lines[1]!,
    /^ {2}1 {2}#3 {2}\{"type":"Note","n":7\} {2}id note-7 {2}in Talking {2}attempts 2 {2}HANDLER_FAILED: machine Call, flow dl-1, action note on event Note failed: note 7 failed {2}queued \d{4}-/,
  );
  const json = await dlq("dl-1", "--json");
  const list = JSON.parse(json.stdout) as {
    exists: boolean;
    status: string;
    deadLetters: { seq: number; id: string; event: unknown; attempts: number; error: string }[];
  };
  assert.is(list.exists, true);
  assert.is(list.status, "active");
  assert.equal(
    list.deadLetters.map(({ seq, id, event, attempts, error }) => ({ seq, id, event, attempts, error })),
    [{ seq: 3, id: "note-7", event: { type: "Note", n: 7 }, attempts: 2, error: "machine Call, flow dl-1, action note on event Note failed: note 7 failed" }],
  );
});

test("dlq --replay 1 queues the event again under a new id; the running runtime applies it and the dead letter is gone", async () => {
  failing.delete(7);
  const { code, stdout, stderr } = await dlq("dl-1", "--replay", "1");
  assert.is(code, 0, stderr);
  assert.is(stdout, "flow Call/dl-1: dead letter 1 (Note, was #3) queued again as #4, id note-7#replay-3; removed from the dead letters\n");
  assert.is(await deadLetters("dl-1"), 0);
  await waitFor("the runtime to apply the replayed note", async () => (await call.get("dl-1"))?.version === 3);
  assert.equal((await call.get("dl-1"))?.context.notes, [7]);
  // The original id is still remembered: a retry of the first send is acknowledged and dropped, as before.
  await call.send("dl-1", { type: "Note", n: 7 }, { eventId: "note-7" });
  assert.is(await redis.hget("fsm:{Call:dl-1}:s", F.lastSeq), "4", "no seq was handed out for the retry");
});

test("a replay that dead-letters again can be replayed again; numbers count from the oldest", async () => {
  failing.add(8);
  failing.add(9);
  await flowWithDeadLetters(call, "dl-2", [8, 9]);
  const first = await dlq("dl-2", "--replay", "2");
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stdout, "dead letter 2 (Note, was #4) queued again as #5, id note-9#replay-4");
  await waitFor("the replay to be dead-lettered again", () => settled("dl-2", 5));
  failing.delete(9);
  const list = JSON.parse((await dlq("dl-2", "--json")).stdout) as { deadLetters: { seq: number; id: string }[] };
  assert.equal(
    list.deadLetters.map((d) => [d.seq, d.id]),
    [
      [3, "note-8"],
      [5, "note-9#replay-4"],
    ],
  );
  const second = await dlq("dl-2", "--replay", "2", "--json");
  assert.is(second.code, 0, second.stderr);
  assert.is((JSON.parse(second.stdout) as { eventId: string }).eventId, "note-9#replay-5");
  await waitFor("the second replay to apply", async () => (await call.get("dl-2"))?.context.notes.join() === "9");
  assert.is(await deadLetters("dl-2"), 1);
});

test("a replay onto an ended flow is refused with one line, exit 1, and the dead letter stays", async () => {
  await call.send("dl-2", { type: "Hangup" });
  await waitFor("dl-2 to end", async () => (await call.get("dl-2"))?.status === "ended");
  failing.delete(8);
  const { code, stdout, stderr } = await dlq("dl-2", "--replay", "1");
  assert.is(code, 1);
  assert.is(stdout, "");
  assert.is(stderr, "fsmc flows dlq: flow Call/dl-2 has ended: it takes no events, so its dead letters cannot be replayed\n");
  assert.is(await deadLetters("dl-2"), 1);
  const shown = await dlq("dl-2");
  assert.match(shown.stdout, "flow Call/dl-2 (ended): 1 dead letter(s)");
});

test("dlq --purge deletes every dead letter; --purge n only that one", async () => {
  failing.add(10);
  failing.add(11);
  failing.add(12);
  await flowWithDeadLetters(call, "dl-3", [10, 11, 12]);
  const one = await dlq("dl-3", "--purge", "2");
  assert.is(one.code, 0, one.stderr);
  assert.is(one.stdout, "flow Call/dl-3: 1 dead letter(s) deleted\n");
  const left = JSON.parse((await dlq("dl-3", "--json")).stdout) as { deadLetters: { event: { n: number } }[] };
  assert.equal(
    left.deadLetters.map((d) => d.event.n),
    [10, 12],
  );
  const all = await dlq("dl-3", "--purge");
  assert.is(all.code, 0, all.stderr);
  assert.is(all.stdout, "flow Call/dl-3: 2 dead letter(s) deleted\n");
  assert.is(await deadLetters("dl-3"), 0);
  const ended = await dlq("dl-2", "--purge", "--json");
  assert.equal(JSON.parse(ended.stdout), { machine: "Call", flowId: "dl-2", purged: 1 });
});

test("dlq --key-prefix reads and replays the dead letters of that key space only", async () => {
  failing.add(20);
  await flowWithDeadLetters(billing, "dl-p", [20], "billing:");
  const elsewhere = await dlq("dl-p");
  assert.is(elsewhere.code, 1);
  assert.match(elsewhere.stdout, "flow Call/dl-p (not found: never started, or expired after it ended): 0 dead letter(s)");
  const listed = await dlq("dl-p", "--key-prefix", "billing:");
  assert.is(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /1 {2}#3 {2}\{"type":"Note","n":20\}/);
  failing.delete(20);
  const replayed = await dlq("dl-p", "--key-prefix", "billing:", "--replay", "1");
  assert.is(replayed.code, 0, replayed.stderr);
  await waitFor("the prefixed runtime to apply the replay", async () => (await billing.get("dl-p"))?.context.notes.join() === "20");
  assert.is(await deadLetters("dl-p", "billing:"), 0);
});

test("dlq usage and refusals are one line each: exit 2 for usage, 1 for a dead letter that is not there", async () => {
  const missing = await dlq("dl-1", "--replay", "5");
  assert.is(missing.code, 1);
  assert.is(missing.stderr, "fsmc flows dlq: flow Call/dl-1 has no dead letter 5 (it has 0)\n");
  const purgeMissing = await dlq("dl-1", "--purge", "3");
  assert.is(purgeMissing.code, 1);
  assert.is(purgeMissing.stderr, "fsmc flows dlq: flow Call/dl-1 has no dead letter 3\n");
  for (const args of [
    ["dl-1", "--replay", "0"],
    ["dl-1", "--replay", "1", "--purge"],
    ["dl-1", "--purge", "x"],
    ["bad{id", "--purge"],
  ]) {
    const run = await dlq(...args);
    assert.is(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.is(run.stderr.trimEnd().split("\n").length >= 1, true);
    assert.not.match(run.stderr, stackFrame);
  }
  assert.is((await dlq("dl-1", "--replay", "0")).stderr, "fsmc flows dlq: --replay must be a dead letter's number as listed (a whole number from 1), got 0\n");
});

test.run();
