// `fsmc flows list` as a real subprocess: pages by SCAN cursor over many flows, filters, key prefixes; listFlows on a Cluster.
import { Cluster, Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { listFlows } from "../../runtime/flow-list.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";
import { freePort, startCluster, startRedis, type RedisServer } from "../support/redis.js";
import { concurrencyLimit, runFsmc, stackFrame } from "../support/run-fsmc.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
const ids = Array.from({ length: 250 }, (_, i) => `call-${String(i).padStart(3, "0")}`);
/** Every 5th flow answered (Talking), every 7th hung up (Ended); the rest ring. */
const answered = ids.filter((_, i) => i % 5 === 0 && i % 7 !== 0);
const ended = ids.filter((_, i) => i % 7 === 0);
const prefixed = ["p-1", "p-2", "p-3"];

interface Page {
  machine: string;
  flows: { flowId: string; state: string; status: string; version: number; machineVersion: number; created: number; updated: number; queued: number }[];
  cursor: string | null;
  examined: number;
}

async function page(...args: string[]): Promise<Page> {
  const run = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--json", ...args]);
  assert.is(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Page;
}

/** Every page from the first, following the cursors; at most `max` pages. */
async function allPages(args: string[], max = 50): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = "0";
  while (cursor !== null) {
    if (pages.length === max) throw new Error(`more than ${max} pages`);
    const next: Page = await page(...args, "--cursor", cursor);
    pages.push(next);
    cursor = next.cursor;
  }
  return pages;
}

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const { client: call } = await pool.call({ redis: server.url });
  const limit = concurrencyLimit(25);
  await Promise.all(ids.map((id) => limit(() => call.start(id, { caller: id }))));
  await Promise.all(answered.map((id) => limit(() => call.send(id, { type: "Answered" }))));
  await Promise.all(ended.map((id) => limit(() => call.send(id, { type: "Hangup" }))));
  await waitFor(
    "every flow to have applied its events",
    async () => {
      const versions = await Promise.all(ids.map((id) => redis.hget(`fsm:{Call:${id}}:s`, F.version)));
      return ids.every((id, i) => Number(versions[i]) === (answered.includes(id) || ended.includes(id) ? 2 : 1));
    },
    30_000,
  );
  // The same machine in another key space of the same Redis.
  const { client: billing } = await pool.call({ redis: `${server.url}?keyPrefix=billing:` });
  for (const id of prefixed) await billing.start(id, { caller: id });
  await waitFor("the prefixed flows to start", async () => (await redis.hget("billing:fsm:{Call:p-3}:s", F.version)) === "1");
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

test("list pages 250 flows with --limit 100: every page but the last holds 100 or more, and every flow is listed", async () => {
  const pages = await allPages(["--limit", "100"]);
  assert.ok(pages.length >= 2, `${pages.length} page(s)`);
  assert.ok(
    pages.slice(0, -1).every((p) => p.flows.length >= 100),
    JSON.stringify(pages.map((p) => p.flows.length)),
  );
  assert.is(pages.at(-1)!.cursor, null);
  const listed = pages.flatMap((p) => p.flows.map((f) => f.flowId));
  // SCAN's guarantee: every flow that exists throughout is listed (one may be listed twice while Redis resizes its table).
  assert.equal([...new Set(listed)].sort(), ids);
  const talking = pages.flatMap((p) => p.flows).find((f) => f.flowId === answered[0])!;
  const { created, updated, ...rest } = talking;
  assert.equal(rest, { flowId: answered[0], state: "Talking", status: "active", version: 2, machineVersion: 2, queued: 0 });
  assert.ok(created <= updated, "updated is at or after created");
  assert.ok(talking.updated > Date.now() - 600_000 && talking.updated <= Date.now() + 60_000, "updated is a recent Redis time");
});

test("with small SCAN batches a page ends at a batch boundary past --limit, and the pages still list every flow", async () => {
  const pages = await allPages(["--limit", "60", "--scan-count", "10"]);
  const listed = pages.flatMap((p) => p.flows.map((f) => f.flowId));
  assert.equal([...new Set(listed)].sort(), ids, JSON.stringify({ missing: ids.filter((id) => !listed.includes(id)) }));
  assert.ok(
    pages.slice(0, -1).every((p) => p.flows.length >= 60),
    JSON.stringify(pages.map((p) => p.flows.length)),
  );
  // A page stops at the first batch boundary at or past 60 flows: SCAN COUNT 10 over a few hundred keys adds tens at most.
  assert.ok(
    pages.every((p) => p.flows.length < 60 + 60),
    JSON.stringify(pages.map((p) => p.flows.length)),
  );
});

test("list --state and --status keep only the flows asked for, across pages", async () => {
  const talking = (await allPages(["--state", "Talking", "--limit", "15"])).flatMap((p) => p.flows);
  assert.equal(talking.map((f) => f.flowId).sort(), answered);
  assert.ok(talking.every((f) => f.state === "Talking" && f.status === "active"));
  const gone = (await allPages(["--status", "ended"])).flatMap((p) => p.flows);
  assert.equal(gone.map((f) => f.flowId).sort(), ended);
  assert.ok(gone.every((f) => f.state === "Ended" && f.status === "ended"));
  const ringing = (await allPages(["--status", "active", "--state", "Ringing"])).flatMap((p) => p.flows);
  assert.is(ringing.length, ids.length - answered.length - ended.length);
  const none = await page("--state", "Ended", "--status", "active");
  assert.equal(none.flows, []);
  assert.is(none.cursor, null);
});

test("list prints a table and the command that gets the next page", async () => {
  const first = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--status", "ended", "--limit", "5"]);
  assert.is(first.code, 0, first.stderr);
  const lines = first.stdout.trimEnd().split("\n");
  const shown = Number(/^Call: (\d+) flow\(s\) on this page$/.exec(lines[0]!)?.[1]);
  assert.ok(shown >= 5 && shown < ended.length, lines[0]);
  assert.match(lines[1]!, /^FLOW\s+STATE\s+STATUS\s+VERSION\s+MACHINE\s+UPDATED\s+QUEUED$/);
  assert.match(lines[2]!, /^call-\d{3}\s+Ended\s+ended\s+2\s+v2\s+\d{4}-\d\d-\d\dT\S+Z\s+0$/);
  const more = /^more: fsmc flows list Call --status ended --limit 5 --cursor (\S+)$/.exec(lines.at(-1)!);
  assert.ok(more, lines.at(-1));
  const second = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--status", "ended", "--limit", "5", "--cursor", more[1]!]);
  assert.is(second.code, 0, second.stderr);
  const firstIds = lines.slice(2, -1).map((l) => l.split(/\s+/)[0]);
  const secondIds = second.stdout
    .split("\n")
    .filter((l) => l.startsWith("call-"))
    .map((l) => l.split(/\s+/)[0]);
  assert.ok(secondIds.length >= 1);
  assert.ok(secondIds.every((id) => !firstIds.includes(id)));
});

test("list --key-prefix sees only the flows of that key space, and the default only those without a prefix", async () => {
  const billing = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--key-prefix", "billing:", "--json"]);
  assert.is(billing.code, 0, billing.stderr);
  const listed = (JSON.parse(billing.stdout) as Page).flows.map((f) => f.flowId).sort();
  assert.equal(listed, prefixed);
  const plain = (await allPages([])).flatMap((p) => p.flows.map((f) => f.flowId));
  assert.ok(!plain.some((id) => prefixed.includes(id)));
});

test("a bad cursor, limit or status is one line and exit 2; an unreachable Redis one line and exit 1", async () => {
  const cursor = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--cursor", "nonsense"]);
  assert.is(cursor.code, 2);
  assert.is(cursor.stderr, `fsmc flows list: cursor "nonsense" is not one a listing printed\n`);
  const limit = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--limit", "0"]);
  assert.is(limit.code, 2);
  assert.is(limit.stderr, "fsmc flows list: --limit must be a whole number from 1, got 0\n");
  const status = await runFsmc(["flows", "list", "Call", "--redis", server.url, "--status", "done"]);
  assert.is(status.code, 2);
  assert.not.match(status.stderr, stackFrame);
  const port = await freePort();
  const away = await runFsmc(["flows", "list", "Call", "--redis", `redis://127.0.0.1:${port}`]);
  assert.is(away.code, 1);
  assert.match(away.stderr, `fsmc flows list: cannot reach Redis at 127.0.0.1:${port}`);
  assert.not.match(away.stderr, stackFrame);
});

test("listFlows on a Redis Cluster scans every master, its cursor carrying the master, and lists each flow once", async () => {
  const cluster = await startCluster(3);
  const client = new Cluster(cluster.seeds);
  try {
    const flows = Array.from({ length: 120 }, (_, i) => `c-${String(i).padStart(3, "0")}`);
    await Promise.all(
      flows.map((id, i) =>
        client.hset(`fsm:{Call:${id}}:s`, F.state, i % 2 ? "Talking" : "Ringing", F.version, 1, F.machineVersion, 2, F.created, 1, F.updated, 0),
      ),
    );
    const pages: Awaited<ReturnType<typeof listFlows>>[] = [];
    let cursor: string | null = "0";
    while (cursor !== null && pages.length < 20) {
      // One SCAN call walks a whole master (COUNT above its keys): each page is one master, whatever Redis does to its table.
      const next: Awaited<ReturnType<typeof listFlows>> = await listFlows(client, "Call", { limit: 25, cursor, scanCount: 1000 });
      pages.push(next);
      cursor = next.cursor;
    }
    assert.is(cursor, null);
    const listed = pages.flatMap((p) => p.flows.map((f) => f.flowId));
    assert.equal([...listed].sort(), flows);
    // Pages began on more than one master.
    const masters = new Set(pages.slice(1).map((_, i) => pages[i]!.cursor!.split(".")[0]));
    assert.ok(masters.size > 1, `cursors named masters ${[...masters].join(", ")}`);
    const talking = await listFlows(client, "Call", { state: "Talking", limit: 1000 });
    assert.is(talking.flows.length, 60);
    assert.is(talking.cursor, null);
  } finally {
    client.disconnect();
    await cluster.stop({ cleanup: true });
  }
});

test.run();
