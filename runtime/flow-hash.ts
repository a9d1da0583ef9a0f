// The flow hash's one-letter field names and how to read a hash back into named values.
import { entryOfPacked } from "./timers/packed.js";

/**
 * A million idle flows each keep one hash: every byte of a field name is paid per flow, and the
 * hash stays a compact listpack only while every value is at most 64 bytes. So names are one
 * letter, an active flow has no status field, the entry token lives at the head of the packed
 * timers, and `updated` is stored as milliseconds since `created` (a small integer).
 * The Lua scripts spell the same letters.
 */
export const FLOW_FIELDS = {
  state: "s",
  /** Context JSON. */
  ctx: "c",
  version: "v",
  machineVersion: "m",
  /** Fencing epoch, bumped by every new holder. */
  epoch: "e",
  /** Last queue sequence handed out. */
  lastSeq: "q",
  /** Redis TIME (ms) at start. */
  created: "a",
  /** ms from `created` to the last commit. */
  updated: "u",
  /** `TimerStore.pack` of the armed timers of the current state entry, headed by its entry token; "-" when none. */
  timers: "t",
  /** `TimerStore.pack` of the armed deadline; absent when none. */
  deadline: "d",
  /** "1" once the flow ended; absent while active. */
  ended: "x",
  /** `<seq>:<n>`: n attempts begun at queue event seq, counted by a takeover or before a retry; absent otherwise. */
  attempts: "f",
  /** The machine version a migration moved the flow from; absent when it never migrated. */
  migratedFrom: "g",
} as const;

export interface FlowHash {
  state: string;
  ctx: string;
  version: number;
  machineVersion: number;
  /** The version a migration moved the flow from (0: never migrated). */
  migratedFrom: number;
  epoch: number;
  lastSeq: number;
  created: number;
  updated: number;
  status: "active" | "ended";
  /** Entry token of the current state entry ("" when it armed no timers). */
  entry: string;
  timers: string;
  deadline: string;
}

const num = (text: string | undefined) => Number(text ?? 0);

/** Names the fields of an HGETALL reply; undefined when the flow does not exist. */
export function readFlowHash(hash: Record<string, string>): FlowHash | undefined {
  const f = FLOW_FIELDS;
  const state = hash[f.state];
  if (state === undefined) return undefined;
  const created = num(hash[f.created]);
  const timers = hash[f.timers] ?? "";
  return {
    state,
    ctx: hash[f.ctx] ?? "{}",
    version: num(hash[f.version]),
    machineVersion: num(hash[f.machineVersion]),
    migratedFrom: num(hash[f.migratedFrom]),
    epoch: num(hash[f.epoch]),
    lastSeq: num(hash[f.lastSeq]),
    created,
    updated: created + num(hash[f.updated]),
    status: hash[f.ended] === undefined ? "active" : "ended",
    entry: entryOfPacked(timers),
    timers,
    deadline: hash[f.deadline] ?? "",
  };
}
