// `fsmc flows list`: the flows of one machine, a page at a time, by SCAN over each master with a cursor to go on from.
import type { Cluster, Redis } from "ioredis";

import { ConfigurationError } from "./errors.js";
import { FLOW_FIELDS } from "./flow-hash.js";
import { keySpaceOf } from "./keys.js";

export interface ListFlowsOptions {
  /** Only flows in this state. */
  state?: string;
  /** Only active, or only ended, flows. */
  status?: "active" | "ended";
  /** The most flows one call returns (default 100). */
  limit?: number;
  /** Where to go on from: the `cursor` of the page before; "0" or absent for the first page. */
  cursor?: string;
  /** SCAN COUNT hint (default 500). */
  scanCount?: number;
  /** The most SCAN calls one call makes (default 100): a page stops there even with fewer than `limit` flows. */
  maxScans?: number;
  /** The runtimes' keyPrefix (the `keyPrefix` of their ioredis options); default none. */
  keyPrefix?: string;
}

export interface ListedFlow {
  flowId: string;
  state: string;
  status: "active" | "ended";
  /** Commits so far. */
  version: number;
  /** `version N` of the definition the flow follows. */
  machineVersion: number;
  /** Redis TIME (ms) at start. */
  created: number;
  /** Redis TIME (ms) of the last commit. */
  updated: number;
  /** Events in its queue. */
  queued: number;
}

export interface FlowPage {
  machine: string;
  flows: ListedFlow[];
  /** Give it as `cursor` for the next page; null once every master was scanned to its end. */
  cursor: string | null;
  /** Flow keys the page looked at (filters may keep fewer). */
  examined: number;
}

/** Where a listing is: which master (by address order), and its SCAN cursor there. */
interface Position {
  node: number;
  scan: string;
}

/** The cursor text: `<node>.<scan cursor>`; "0" is the beginning. */
function encodeCursor(p: Position): string {
  return `${p.node}.${p.scan}`;
}

function decodeCursor(text: string | undefined): Position {
  if (text === undefined || text === "" || text === "0") return { node: 0, scan: "0" };
  const match = /^(\d+)\.(\d+)$/.exec(text);
  if (!match) throw new ConfigurationError(`cursor ${JSON.stringify(text)} is not one a listing printed`);
  return { node: Number(match[1]), scan: match[2]! };
}

/** The masters a listing walks, in an order every process sees the same: by address. */
function masters(redis: Redis | Cluster): Redis[] {
  if (!("isCluster" in redis && redis.isCluster)) return [redis as Redis];
  const address = (node: Redis) => `${node.options.host}:${String(node.options.port).padStart(5, "0")}`;
  return (redis as Cluster).nodes("master").sort((a, b) => (address(a) < address(b) ? -1 : address(a) > address(b) ? 1 : 0));
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a whole number from 1, got ${value}`);
  return value;
}

const F = FLOW_FIELDS;
const FIELDS = [F.state, F.ended, F.version, F.machineVersion, F.created, F.updated] as const;

/**
 * One page of the flows of `machine`: SCAN MATCH on its flow hashes (never KEYS), each master of a
 * Cluster in turn, with each candidate's few fields and queue length read in one pipeline per batch.
 * The work is bounded: the page ends at the end of the first SCAN batch that brings it to `limit`
 * flows, or after `maxScans` SCAN calls, and its `cursor` (a SCAN cursor) says where the next one
 * starts. A page never stops inside a batch: a batch scanned again is not the same batch once Redis
 * has resized its key table, so resuming inside one could leave flows out. So a page holds `limit`
 * flows or more (up to one batch more: SCAN COUNT is `scanCount`, by default `limit`), and the pages
 * have SCAN's own guarantee: every flow that exists from the first page to the last is listed, and a
 * flow may be listed twice when Redis resizes its table meanwhile. A flow started or ended while the
 * pages are read may be listed or not.
 */
export async function listFlows(redis: Redis | Cluster, machine: string, options: ListFlowsOptions = {}): Promise<FlowPage> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(machine)) throw new ConfigurationError(`machine name must be an identifier, got ${JSON.stringify(machine)}`);
  const limit = positive("limit", options.limit, 100);
  const scanCount = positive("scanCount", options.scanCount, Math.min(limit, 1_000));
  const maxScans = positive("maxScans", options.maxScans, 100);
  if (options.status !== undefined && options.status !== "active" && options.status !== "ended") {
    throw new ConfigurationError(`status must be "active" or "ended", got ${JSON.stringify(options.status)}`);
  }
  const space = keySpaceOf([redis as Redis], options.keyPrefix, "listFlows option keyPrefix");
  const nodes = masters(redis);
  let position = decodeCursor(options.cursor);
  if (position.node >= nodes.length) throw new ConfigurationError(`cursor ${JSON.stringify(options.cursor)} names master ${position.node}, of ${nodes.length}`);
  // Machine names are identifiers: nothing in them needs escaping in a pattern.
  const pattern = space.pattern(`fsm:{${machine}:*}:s`);
  const head = space.key(`fsm:{${machine}:`);
  const page: FlowPage = { machine, flows: [], cursor: null, examined: 0 };

  for (let scans = 0; scans < maxScans; scans++) {
    const node = nodes[position.node]!;
    const [next, found] = await node.scan(position.scan, "MATCH", pattern, "COUNT", scanCount);
    const ids = [...new Set(found)]
      .filter((k) => k.startsWith(head) && k.endsWith("}:s"))
      .map((k) => k.slice(head.length, -"}:s".length))
      .sort();
    const pipeline = node.pipeline();
    for (const id of ids) {
      const keys = space.flow(machine, id);
      pipeline.hmget(keys.state, ...FIELDS);
      pipeline.llen(keys.queue);
    }
    const replies = ids.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    for (let i = 0; i < ids.length; i++) {
      const flowId = ids[i]!;
      const [fieldsError, fields] = replies[2 * i] ?? [];
      const [queueError, queued] = replies[2 * i + 1] ?? [];
      if (fieldsError) throw fieldsError;
      if (queueError) throw queueError;
      page.examined++;
      const [state, ended, version, machineVersion, created, updated] = fields as (string | null)[];
      // Expired or deleted since the SCAN.
      if (state === null || state === undefined) continue;
      const status = ended === null ? "active" : "ended";
      if ((options.state !== undefined && state !== options.state) || (options.status !== undefined && status !== options.status)) continue;
      page.flows.push({
        flowId,
        state,
        status,
        version: Number(version ?? 0),
        machineVersion: Number(machineVersion ?? 0),
        created: Number(created ?? 0),
        updated: Number(created ?? 0) + Number(updated ?? 0),
        queued: Number(queued ?? 0),
      });
    }
    position = next !== "0" ? { node: position.node, scan: next } : { node: position.node + 1, scan: "0" };
    if (position.node >= nodes.length) return page;
    if (page.flows.length >= limit) break;
  }
  page.cursor = encodeCursor(position);
  return page;
}
