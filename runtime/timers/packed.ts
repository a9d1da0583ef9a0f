// The compact text a flow hash keeps for its armed timers: their members without the machine and flow id, which the hash's key already names.
import { MEMBER_SEPARATOR, timerShard } from "./member.js";
import type { ArmedTimer } from "./types.js";

/** Record separator between timers; the first field is the entry token they share. */
const RECORD_SEPARATOR = "\u001e";
const NOTHING_ARMED = "-";

/**
 * Redis keeps a hash as a compact listpack only while every value is ≤ 64 bytes
 * (hash-max-listpack-value); one JSON-encoded timer list is ~200 bytes and turns the whole flow
 * hash into a hashtable (~1 KB per idle flow instead of ~350 B). Packed, one timer is ~30 bytes:
 * `<entry>` then, per timer, RS + kind char + id US state US ms(36) US due(36).
 */
export function packArmed(armed: readonly ArmedTimer[]): string {
  // Not "": the commit script reads an empty argument as "leave the field unchanged".
  if (armed.length === 0) return NOTHING_ARMED;
  let entry: string | undefined;
  const records = armed.map((timer) => {
    const fields = timer.member.split(MEMBER_SEPARATOR);
    if (fields.length !== 8) throw new Error(`not a timer member: ${JSON.stringify(timer.member)}`);
    const [kind, , , id, state, timerEntry, ms36, due36] = fields as [string, string, string, string, string, string, string, string];
    if (entry !== undefined && entry !== timerEntry) throw new Error("packArmed: timers of different entries cannot share one packed value");
    entry = timerEntry;
    return `${kind}${id}${MEMBER_SEPARATOR}${state}${MEMBER_SEPARATOR}${ms36}${MEMBER_SEPARATOR}${due36}`;
  });
  return [entry, ...records].join(RECORD_SEPARATOR);
}

/** The entry token a packed value starts with; "" when nothing is armed (or for the JSON of old flows, which kept it apart). */
export function entryOfPacked(packed: string): string {
  if (packed === "" || packed === NOTHING_ARMED || packed.startsWith("[") || packed.startsWith("{")) return "";
  const end = packed.indexOf(RECORD_SEPARATOR);
  return end < 0 ? packed : packed.slice(0, end);
}

/**
 * Rebuilds the armed timers of a flow from its packed value; [] for "" or "-" (nothing armed).
 * Also reads the JSON the flow hash held before (an ArmedTimer array, or one ArmedTimer for the
 * deadline), so flows written either way keep working.
 */
export function unpackArmed(machine: string, flowId: string, packed: string, shards: number): ArmedTimer[] {
  if (packed === "" || packed === NOTHING_ARMED) return [];
  if (packed.startsWith("[")) return JSON.parse(packed) as ArmedTimer[];
  if (packed.startsWith("{")) return [JSON.parse(packed) as ArmedTimer];
  const [entry, ...records] = packed.split(RECORD_SEPARATOR) as [string, ...string[]];
  const shard = timerShard(machine, flowId, shards);
  return records.map((record) => {
    const kindChar = record.charAt(0);
    const [id, state, ms36, due36] = record.slice(1).split(MEMBER_SEPARATOR) as [string, string, string, string];
    const member = [kindChar, machine, flowId, id, state, entry, ms36, due36].join(MEMBER_SEPARATOR);
    return { id, due: parseInt(due36, 36), member, shard, kind: kindChar === "d" ? "deadline" : "timer" };
  });
}
