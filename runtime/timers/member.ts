// The compact sorted-set member that names one armed timer, and the shard a flow's timers live in.
import type { DueTimer, TimerKind, TimerSpec } from "./types.js";

/** Unit separator: flow ids, machine names and timer ids never contain control characters. */
export const MEMBER_SEPARATOR = "\u001f";

/**
 * Member layout (fields joined by \u001f): kind ("t" | "d"), machine, flowId, timer id, state,
 * entry token, ms (base 36), due (base 36, appended by arm-timers.lua from Redis TIME).
 * The state is left empty when the timer id already starts with `<state>/`, as compiled ids do:
 * every byte counts when a million idle flows each hold a timer.
 */
export function memberPrefix(machine: string, flowId: string, entry: string, spec: TimerSpec): string {
  for (const field of [machine, flowId, entry, spec.id, spec.state]) {
    // A control character would make the member unreadable, and an unreadable timer never fires.
    if (/[\u0000-\u001f]/.test(field)) throw new RangeError(`timer field ${JSON.stringify(field)} contains a control character`);
  }
  const kind = spec.kind === "deadline" ? "d" : "t";
  const state = spec.id.startsWith(`${spec.state}/`) ? "" : spec.state;
  return [kind, machine, flowId, spec.id, state, entry, spec.ms.toString(36), ""].join(MEMBER_SEPARATOR);
}

/** Reads a member back; undefined for anything that is not a timer member (never thrown: one bad member must not stop a shard). */
export function decodeTimerMember(member: string, shard: number): DueTimer | undefined {
  const fields = member.split(MEMBER_SEPARATOR);
  if (fields.length !== 8) return undefined;
  const [kindField, machine, flowId, id, stateField, entry, ms36, due36] = fields as [string, string, string, string, string, string, string, string];
  const kind: TimerKind | undefined = kindField === "t" ? "timer" : kindField === "d" ? "deadline" : undefined;
  if (!kind) return undefined;
  const ms = parseInt(ms36, 36);
  const due = parseInt(due36, 36);
  if (!Number.isFinite(ms) || !Number.isFinite(due)) return undefined;
  const slash = id.lastIndexOf("/");
  const state = stateField !== "" || kind === "deadline" || slash < 0 ? stateField : id.slice(0, slash);
  return { machine, flowId, id, state, entry, ms, due, kind, member, shard };
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

/** The sorted set of one shard; the hash tag puts each shard in its own Redis Cluster slot. */
export function timerShardKey(shard: number): string {
  return `fsm:timers:{${shard}}`;
}
