// The short sorted-set member that names one armed timer, and the per-machine shard a flow's timers live in.
import type { TimerKind, TimerSpec } from "./types.js";

/** Unit separator: flow ids, entry tokens and timer ids never contain control characters. */
export const MEMBER_SEPARATOR = "\u001f";
/** Ends a flow id stored compacted (a UUID as 22 base64url characters) instead of MEMBER_SEPARATOR. */
const COMPACT_SEPARATOR = "\u001e";
/** Starts a timer id kept whole because it does not start with `<state>/` (hand-written definitions). */
const WHOLE_ID_MARK = "\u001d";

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COMPACT_UUID = /^[A-Za-z0-9_-]{22}$/;

/*
 * Member layout: <flow> SEP <entry> [US <timer>].
 * - <flow>: a flow id that is a lowercase canonical UUID (as most switches hand out call ids) is
 *   stored as its 16 bytes in base64url, 22 characters, followed by RS; any other id as it is,
 *   followed by US. The separator says which, so no id can be mistaken for the other form.
 * - <entry>: the entry token of the state entry that armed it. It is what tells a re-armed timer
 *   (a self-transition) from the previous arming, and the previous arming from an armed but
 *   refused commit: each is another member, and a timer applies only while it matches the flow.
 * - <timer>: the timer's id without the `<state>/` prefix compiled ids carry (the entry pins the
 *   state: the flow reads it back when it applies the event), or GS + the whole id when the id does
 *   not start with its state. Absent for the deadline, the only timer of a flow that belongs to no state.
 * The machine is in the key (`fsm:timers:{<machine>:<shard>}`), and the ms and due time are not
 * stored at all: the definition has the ms, the score is the due time. Redis allocates a member of
 * ≤ 30 bytes in 32, ≤ 44 in 48 and ≤ 60 in 64; a million idle flows each hold one.
 */

/** The flow id as the member stores it, and the separator that follows it. */
function flowPart(flowId: string): string {
  if (CANONICAL_UUID.test(flowId)) return Buffer.from(flowId.replaceAll("-", ""), "hex").toString("base64url") + COMPACT_SEPARATOR;
  return flowId + MEMBER_SEPARATOR;
}

function expandFlowId(compact: string): string | undefined {
  if (!COMPACT_UUID.test(compact)) return undefined;
  const bytes = Buffer.from(compact, "base64url");
  // Only what flowPart wrote decodes: 16 bytes that encode back to the same text.
  if (bytes.length !== 16 || bytes.toString("base64url") !== compact) return undefined;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function assertNoControl(what: string, field: string): void {
  // A control character would make the member unreadable, and an unreadable timer never fires.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(field)) throw new RangeError(`timer ${what} ${JSON.stringify(field)} contains a control character`);
}

/** The timer's id as the member and the flow hash keep it: relative to its state when it starts with `<state>/`. */
export function relativeTimerId(spec: Pick<TimerSpec, "id" | "state">): string {
  const prefix = `${spec.state}/`;
  return spec.state !== "" && spec.id.startsWith(prefix) && spec.id.length > prefix.length ? spec.id.slice(prefix.length) : WHOLE_ID_MARK + spec.id;
}

/** The whole timer id of a relative one (as in a member or a packed flow hash), in the state whose entry armed it. */
export function timerIdIn(relative: string, state: string): string {
  return relative.startsWith(WHOLE_ID_MARK) ? relative.slice(WHOLE_ID_MARK.length) : `${state}/${relative}`;
}

/** The member of one timer (`relative` from relativeTimerId) or, with `relative` undefined, of the deadline. */
export function timerMember(flowId: string, entry: string, relative: string | undefined): string {
  assertNoControl("flow id", flowId);
  assertNoControl("entry token", entry);
  if (flowId === "" || entry === "") throw new RangeError("a timer member needs a flow id and an entry token");
  const head = flowPart(flowId) + entry;
  return relative === undefined ? head : head + MEMBER_SEPARATOR + relative;
}

/** The member of a spec armed under `entry`. */
export function memberOf(flowId: string, entry: string, spec: TimerSpec): string {
  if (spec.kind === "deadline") return timerMember(flowId, entry, undefined);
  if (spec.id === "") throw new RangeError("a timer needs an id");
  assertNoControl("id", spec.id);
  return timerMember(flowId, entry, relativeTimerId(spec));
}

export interface DecodedMember {
  flowId: string;
  entry: string;
  kind: TimerKind;
  /** Relative timer id ("" for the deadline). */
  timer: string;
}

/** Reads a member back; undefined for anything that is not a timer member (never thrown: one bad member must not stop a shard). */
export function decodeTimerMember(member: string): DecodedMember | undefined {
  let cut = -1;
  for (let i = 0; i < member.length; i++) {
    const code = member.charCodeAt(i);
    if (code === 0x1e || code === 0x1f) {
      cut = i;
      break;
    }
  }
  if (cut <= 0) return undefined;
  const flowId = member[cut] === COMPACT_SEPARATOR ? expandFlowId(member.slice(0, cut)) : member.slice(0, cut);
  if (flowId === undefined) return undefined;
  const rest = member.slice(cut + 1).split(MEMBER_SEPARATOR);
  const [entry, timer] = rest as [string, string | undefined];
  if (entry === "" || rest.length > 2) return undefined;
  if (timer === undefined) return { flowId, entry, kind: "deadline", timer: "" };
  if (timer === "" || timer === WHOLE_ID_MARK) return undefined;
  return { flowId, entry, kind: "timer", timer };
}

/** FNV-1a over the UTF-16 code units: stable across processes and versions, cheap, well spread. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard holding every timer of one flow. */
export function timerShard(machine: string, flowId: string, shards: number): number {
  return fnv1a(`${machine}:${flowId}`) % shards;
}

/**
 * The sorted set of one shard of one machine. The hash tag puts each in its own Redis Cluster slot;
 * naming the machine in the key is what lets the member leave it out.
 */
export function timerShardKey(machine: string, shard: number): string {
  return `fsm:timers:{${machine}:${shard}}`;
}

/** Throws unless `machine` can sit inside a shard key's hash tag. */
export function assertTimerMachine(machine: string): void {
  // eslint-disable-next-line no-control-regex
  if (machine === "" || /[{}\u0000-\u001f]/.test(machine)) throw new RangeError(`machine name ${JSON.stringify(machine)} cannot name a timer shard`);
}
