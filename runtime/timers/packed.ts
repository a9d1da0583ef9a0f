// The compact text a flow hash keeps for its armed timers: the entry token and each timer's relative id, from which their members follow.
import type { KeySpace } from "../keys.js";
import { MEMBER_SEPARATOR, decodeTimerMember, timerIdIn, timerMember, timerShard } from "./member.js";
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

/** The entry token a packed value starts with; "" when nothing is armed. */
export function entryOfPacked(packed: string): string {
  if (packed === "" || packed === NOTHING_ARMED) return "";
  const end = packed.indexOf(RECORD_SEPARATOR);
  return end < 0 ? packed : packed.slice(0, end);
}

/**
 * Rebuilds the armed timers of a flow from its packed value, their sets in `keys`; [] for "" or "-" (nothing armed).
 * `state` is the flow hash's state: with it a timer's `id` is whole, without it relative to the state
 * (which is all cancelling needs).
 */
export function unpackArmed(keys: KeySpace, machine: string, flowId: string, packed: string, shards: number, state?: string): ArmedTimer[] {
  if (packed === "" || packed === NOTHING_ARMED) return [];
  // A state entered without timers records just its entry token: nothing to unpack (the common case).
  if (!packed.includes(RECORD_SEPARATOR)) return [];
  const [entry, ...records] = packed.split(RECORD_SEPARATOR) as [string, ...string[]];
  const shard = timerShard(machine, flowId, shards);
  const key = keys.timers(machine, shard);
  return records.map((record): ArmedTimer => {
    if (record.startsWith(MEMBER_SEPARATOR)) {
      return { id: "deadline", due: parseInt(record.slice(1), 36), member: timerMember(flowId, entry, undefined), key, shard, kind: "deadline" };
    }
    return { id: state === undefined ? record : timerIdIn(record, state), member: timerMember(flowId, entry, record), key, shard, kind: "timer" };
  });
}
