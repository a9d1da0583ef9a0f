// Which versions of each machine live processes can run, kept in Redis for a while, so flows no process can run are named.

import type { FlowRedis } from "./connection.js";
import { DirectScript } from "./direct-command.js";
import type { KeySpace } from "./keys.js";
import { luaSource } from "./lua-source.js";

/** `fsm:runners:{<machine>}` (in a key space: KeySpace.runners): a sorted set of versions, each scored with the Redis time until which some live process said it runs it. */
export function runnersKey(machine: string): string {
  return `fsm:runners:{${machine}}`;
}

const advertiseScript = new DirectScript(luaSource("advertise.lua"));

/** Says, for `holdMs`, that this process runs these versions of `machine`. */
export async function advertiseVersions(redis: FlowRedis, keys: KeySpace, machine: string, versions: readonly number[], holdMs: number): Promise<void> {
  if (versions.length === 0) return;
  await advertiseScript.call(redis, ["", 1, keys.runners(machine), Math.round(holdMs), ...versions]);
}

/** The versions of `machine` some live process runs now (`nowMs`: Redis time). */
export async function runnableVersions(redis: FlowRedis, keys: KeySpace, machine: string, nowMs: number): Promise<Set<number>> {
  const members = await redis.zrangebyscore(keys.runners(machine), nowMs, "+inf");
  return new Set(members.map(Number));
}
