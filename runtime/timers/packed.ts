// The compact text a flow hash keeps for its armed timers: the entry token and each timer's relative id, from which their members follow.
import type { KeySpace } from "../keys.js";
import { legacyTimerShardKey, MEMBER_SEPARATOR, decodeTimerMember, timerIdIn, timerMember, timerShard } from "./member.js";
import type { ArmedTimer } from "./types.js";

/** Record separator between timers; the first field is the entry token they share. */
const RECORD_SEPARATOR = "\u001e";
const NOTHING_ARMED = "-";

/*
 * Redis keeps a hash as a compact listpack only while every value is ≤ 64 bytes
 * (hash-max-listpack-value), and allocates the listpack in size classes (…, 128, 160, …): every
 * byte of this value is paid by each idle flow. So it holds what the members cannot be rebuilt
 * without and nothing else: `<entry>`, then per timer RS + its id relative to the state (the flow
 * hash's state, `s`, is the state that armed them) — "1.1␞1h" for one timer. The deadline keeps its
 * due time, because the watchdog compares it with the clock to find a lost one: RS US due(36).
 * A timer's due time is its score in the shard (what `fsmc flows inspect` shows).
 *
 * Read as well: the layout before this one, whose records were
 * kind char + id US state US ms(36) US due(36) (exactly three US, never leading), and JSON.
 */

export function packArmed(armed: readonly ArmedTimer[]): string {
  // Not "": the commit script reads an empty argument as "leave the field unchanged".
  if (armed.length === 0) return NOTHING_ARMED;
  let entry: string | undefined;
  const records = armed.map((timer) => {
    const decoded = decodeTimerMember(timer.member);
    if (!decoded) throw new Error(`not a timer member: ${JSON.stringify(timer.member)}`);
    if (entry !== undefined && entry !== decoded.entry) throw new Error("packArmed: timers of different entries cannot share one packed value");
    entry = decoded.entry;
    if (decoded.kind === "timer") return decoded.timer;
    if (timer.due === undefined) throw new Error("packArmed: a deadline needs its due time");
    return MEMBER_SEPARATOR + Math.round(timer.due).toString(36);
  });
  return [entry, ...records].join(RECORD_SEPARATOR);
}

/** The entry token a packed value starts with; "" when nothing is armed (or for the JSON of old flows, which kept it apart). */
export function entryOfPacked(packed: string): string {
  if (packed === "" || packed === NOTHING_ARMED || packed.startsWith("[") || packed.startsWith("{")) return "";
  const end = packed.indexOf(RECORD_SEPARATOR);
  return end < 0 ? packed : packed.slice(0, end);
}

/** A timer of the layout before, as JSON: it has a shard but no key (its set was `fsm:timers:{<shard>}`). */
function fromJson(keys: KeySpace, value: ArmedTimer): ArmedTimer {
  return value.key === undefined ? { ...value, key: keys.key(legacyTimerShardKey(value.shard)) } : value;
}

/**
 * Rebuilds the armed timers of a flow from its packed value, their sets in `keys`; [] for "" or "-" (nothing armed).
 * `state` is the flow hash's state: with it a timer's `id` is whole, without it relative to the state
 * (which is all cancelling needs). A layout-before value gives back its timers where they were
 * stored then (old members in `fsm:timers:{<shard>}`), so cancelling still removes them.
 */
export function unpackArmed(keys: KeySpace, machine: string, flowId: string, packed: string, shards: number, state?: string): ArmedTimer[] {
  if (packed === "" || packed === NOTHING_ARMED) return [];
  if (packed.startsWith("[")) return (JSON.parse(packed) as ArmedTimer[]).map((timer) => fromJson(keys, timer));
  if (packed.startsWith("{")) return [fromJson(keys, JSON.parse(packed) as ArmedTimer)];
  // A state entered without timers records just its entry token: nothing to unpack (the common case).
  if (!packed.includes(RECORD_SEPARATOR)) return [];
  const [entry, ...records] = packed.split(RECORD_SEPARATOR) as [string, ...string[]];
  const shard = timerShard(machine, flowId, shards);
  const key = keys.timers(machine, shard);
  return records.map((record): ArmedTimer => {
    if (record.startsWith(MEMBER_SEPARATOR)) {
      return { id: "deadline", due: parseInt(record.slice(1), 36), member: timerMember(flowId, entry, undefined), key, shard, kind: "deadline" };
    }
    if (record.includes(MEMBER_SEPARATOR)) {
      const kindChar = record.charAt(0);
      const [id, recordState, ms36, due36] = record.slice(1).split(MEMBER_SEPARATOR) as [string, string, string, string];
      const member = [kindChar, machine, flowId, id, recordState, entry, ms36, due36].join(MEMBER_SEPARATOR);
      return { id, due: parseInt(due36, 36), member, key: keys.key(legacyTimerShardKey(shard)), shard, kind: kindChar === "d" ? "deadline" : "timer" };
    }
    return { id: state === undefined ? record : timerIdIn(record, state), member: timerMember(flowId, entry, record), key, shard, kind: "timer" };
  });
}
