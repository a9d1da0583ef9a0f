// `fsmc flows migrate`: gets every flow of an old machine version taken, so the newer version's migration moves it.
import type { Redis } from "ioredis";

import type { MachineDefinition } from "./definition.js";
import { loadDefinition, storedVersions } from "./definition-store.js";
import { FLOW_FIELDS } from "./flow-hash.js";
import { keySpaceOf, pendingMember, pendingShard, type KeySpace } from "./keys.js";
import { queueEvent } from "./scripts.js";

export interface MigrateFlowsOptions {
  machine: string;
  /** The old version whose flows move. */
  from: number;
  /** The version they move to (default: the newest stored version with a `migrate from <from>` block). */
  to?: number;
  /** Shards of the pending index, as the runtimes have it (their pendingShards option). */
  pendingShards: number;
  /** SCAN COUNT hint. */
  scanCount?: number;
  /** The runtimes' keyPrefix (the `keyPrefix` of their ioredis options); default none. */
  keyPrefix?: string;
}

export interface MigrateFlowsReport {
  machine: string;
  from: number;
  to: number;
  /** Flows of version `from` that were queued a migration (or already had one queued: the event id is the same). */
  queued: string[];
  /** Flows of version `from` whose state the block maps to nothing: they finish on version `from`. */
  unmapped: { flowId: string; state: string }[];
  /** Active flows of other versions, left alone. */
  otherVersions: number;
}

/** The target definition: `to`, or the newest stored version that migrates flows of `from`. */
async function target(redis: Redis, keys: KeySpace, machine: string, from: number, to: number | undefined): Promise<MachineDefinition | string> {
  const versions = to !== undefined ? [to] : (await storedVersions(redis, keys, machine)).filter((v) => v > from).reverse();
  for (const version of versions) {
    const definition = await loadDefinition(redis, keys, machine, version);
    if (definition?.migrations?.some((m) => m.from === from)) return definition;
    if (to !== undefined)
      return definition ? `version ${to} of ${machine} has no 'migrate from ${from}' block` : `no definition of ${machine} version ${to} is stored in Redis`;
  }
  return `no stored version of ${machine} has a 'migrate from ${from}' block (a runtime that registered it stores it at start)`;
}

/**
 * Queues an internal `fsm.migrate` event for every active flow of `machine` at version `from` whose
 * state the block maps, and adds it to the pending index: the next runtime that takes the flow and
 * has the target version registered moves it, under its lock and fence, before anything else, and
 * drops the event. Running it again, or after an interruption, is safe: flows already moved are no
 * longer of version `from`, and a flow queued twice drops the second event.
 * Walks the flows with SCAN, never KEYS.
 */
export async function migrateFlows(redis: Redis, options: MigrateFlowsOptions): Promise<MigrateFlowsReport | string> {
  const { machine, from } = options;
  const keys = keySpaceOf([redis], options.keyPrefix, "migrateFlows option keyPrefix");
  const definition = await target(redis, keys, machine, from, options.to);
  if (typeof definition === "string") return definition;
  const block = definition.migrations!.find((m) => m.from === from)!;
  const report: MigrateFlowsReport = { machine, from, to: definition.version, queued: [], unmapped: [], otherVersions: 0 };
  // Machine names are identifiers: nothing in them needs escaping in a pattern.
  const prefix = keys.key(`fsm:{${machine}:`);
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", keys.pattern(`fsm:{${machine}:*}:s`), "COUNT", options.scanCount ?? 500);
    cursor = next;
    for (const key of found) {
      const flowId = key.slice(prefix.length, -"}:s".length);
      const [state, version, ended] = await redis.hmget(key, FLOW_FIELDS.state, FLOW_FIELDS.machineVersion, FLOW_FIELDS.ended);
      if (state == null || ended != null) continue;
      if (Number(version) !== from) {
        report.otherVersions++;
        continue;
      }
      const maps = Object.hasOwn(block.states, state) || Object.hasOwn(definition.states, state);
      if (!maps) {
        report.unmapped.push({ flowId, state });
        continue;
      }
      // No event id: one costs the flow's remembered ids (and their window), and a second run must queue
      // again in case a process of an older version took the first event (it only drops it).
      const reply = await queueEvent(redis, keys.flow(machine, flowId), "", JSON.stringify({ type: "fsm.migrate" }), 1, 1);
      if (reply.kind !== "queued") continue;
      // Listed after it is queued (a sweep in between must not find the queue empty and drop the entry),
      // eligible for the sweeper at once, like the entry of a sender that does not drain.
      await redis.zadd(keys.pending(pendingShard(machine, flowId, options.pendingShards)), 0, pendingMember(machine, flowId));
      report.queued.push(flowId);
    }
  } while (cursor !== "0");
  report.queued.sort();
  report.unmapped.sort((a, b) => (a.flowId < b.flowId ? -1 : 1));
  return report;
}
