// Machine definitions kept in Redis by version, so a flow runs to its end on the definition it started on.
import type { FlowRedis } from "./connection.js";
import type { MachineDefinition } from "./definition.js";
import { definitionHash } from "./definition-hash.js";
import { VersionConflictError } from "./errors.js";
import { DirectScript } from "./direct-command.js";
import type { KeySpace } from "./keys.js";
import { luaSource } from "./lua-source.js";

/** `fsm:def:{<machine>}` (in a key space: KeySpace.definitions): field `<version>` = the definition's JSON, `h:<version>` = its content hash. */
export function definitionsKey(machine: string): string {
  return `fsm:def:{${machine}}`;
}

const defineScript = new DirectScript(luaSource("define.lua"));

/**
 * Stores `definition` under its version unless that version is stored already: with the same content
 * that is a no-op (restarts, many processes); with other content it is refused with VersionConflictError
 * naming both hashes, since flows of one version must run one definition.
 */
export async function storeDefinition(redis: FlowRedis, keys: KeySpace, definition: MachineDefinition): Promise<void> {
  const hash = definitionHash(definition);
  const { __types: _types, ...data } = definition;
  const reply = (await defineScript.call(redis, ["", 1, keys.definitions(definition.name), definition.version, hash, JSON.stringify({ ...data, hash })])) as [
    string,
    string?,
  ];
  if (reply[0] === "conflict") throw new VersionConflictError(definition.name, definition.version, String(reply[1]), hash);
}

/** The stored definition of `machine` at `version`, or undefined when none was stored. */
export async function loadDefinition(redis: FlowRedis, keys: KeySpace, machine: string, version: number): Promise<MachineDefinition | undefined> {
  const json = await redis.hget(keys.definitions(machine), String(version));
  return json === null ? undefined : (JSON.parse(json) as MachineDefinition);
}

/** The versions of `machine` stored so far, ascending. */
export async function storedVersions(redis: FlowRedis, keys: KeySpace, machine: string): Promise<number[]> {
  const fields = await redis.hkeys(keys.definitions(machine));
  return fields
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}
