// Loads the flow Lua scripts once per connection (ioredis defineCommand) and wraps each with types.
import type { FlowRedis } from "./connection.js";

import { ReplyError } from "ioredis";

import type { LockMode } from "./deployment.js";
import type { FlowKeys } from "./keys.js";
import { DirectScript } from "./direct-command.js";
import { luaSource } from "./lua-source.js";
import { ScriptBatch } from "./script-batch.js";
import { entryOfPacked } from "./timers/packed.js";

const read = luaSource;
const include = read("include/flow.lua");

/** Script name → [file, number of keys, needs the shared include]. */
const scriptFiles = {
  fsmFlowClaim: ["claim.lua", 3, true],
  fsmFlowFence: ["fence.lua", 2, true],
  fsmFlowExtend: ["extend.lua", 2, false],
  fsmFlowRelease: ["release.lua", 1, false],
  fsmFlowUnlock: ["unlock.lua", 2, false],
  fsmFlowAttempt: ["attempt.lua", 1, false],
  fsmPendingRemove: ["pending-remove.lua", 1, false],
} as const;

type ScriptName = keyof typeof scriptFiles;
type Reply = string | number | null | Reply[];
type ScriptCommands = { [K in ScriptName]: (...keysAndArgs: (string | number)[]) => Promise<Reply> };

const withInclude = (file: string) => `${include}\n${read(file)}`;
const sources = new Map<ScriptName, { lua: string; numberOfKeys: number }>();
for (const [name, [file, numberOfKeys, included]] of Object.entries(scriptFiles) as [ScriptName, readonly [string, number, boolean]][]) {
  sources.set(name, { lua: included ? withInclude(file) : read(file), numberOfKeys });
}

/**
 * The event path's scripts are sent as built (direct-command.ts), not as defined commands: the
 * enqueue and commit take any number of flows per call (HotPathScripts below), and a start must
 * reach Redis in the same order as the sends after it.
 */
const enqueueScript = new DirectScript(read("enqueue.lua"));
const commitScript = new DirectScript(read("commit.lua"));
const startScript = new DirectScript(withInclude("start.lua"));

const defined = new WeakSet<FlowRedis>();

/**
 * Defines every flow script on the connection. Called when the runtime creates the connection:
 * ioredis auto-pipelining copies the defined scripts into each pipeline as it opens it, so they
 * must exist before the first command.
 */
export function defineFlowScripts(redis: FlowRedis): void {
  if (defined.has(redis)) return;
  for (const [name, source] of sources) redis.defineCommand(name, source);
  defined.add(redis);
}

function commands(redis: FlowRedis): ScriptCommands {
  defineFlowScripts(redis);
  return redis as unknown as ScriptCommands;
}

/** A queued event as stored in the flow's list. */
export interface EventRecord {
  seq: number;
  /** The explicit event id given to send/start, or "" */
  id: string;
  /** Enqueue time (Redis TIME, ms). */
  at: number;
  event: { readonly type: string; readonly [field: string]: unknown };
}

/** What a processor starts from when it takes a flow's lock. */
export interface Snapshot {
  epoch: number;
  state: string;
  ctx: string;
  version: number;
  /** Entry token of the current state entry, from the head of `timers` ("" when it armed none). */
  entry: string;
  /** TimerStore.pack of the armed timers ("" when none). */
  timers: string;
  /** TimerStore.pack of the armed deadline ("" when none). */
  deadline: string;
  events: EventRecord[];
  /**
   * The attempt this holder begins at the head event, counted in Redis when it took the flow over
   * from a holder that may have begun it (0: not counted, the first attempt on an idle flow's own event).
   */
  attempts: number;
  /** `version N` of the definition the flow follows (its start's, or the one a migration moved it to); 0 if unknown. */
  machineVersion: number;
}

export type EnqueueReply =
  | { kind: "unknown" | "closed" | "duplicate" | "exists" }
  | { kind: "queued"; seq: number }
  | { kind: "locked"; seq: number; snapshot: Snapshot };

function parseRecords(reply: Reply): EventRecord[] {
  return (reply as string[]).map((text) => JSON.parse(text) as EventRecord);
}

function parseSnapshot(reply: Reply, only?: { seq: number; eventId: string; eventJson: string }): Snapshot {
  const [epoch, state, ctx, version, timers, deadline, events, attempts, machineVersion] = reply as [
    number,
    string,
    string,
    string,
    string,
    string,
    Reply,
    number?,
    string?,
  ];
  // enqueue.lua sends back only the enqueue time when the caller's event is the one queued.
  const records =
    only && !Array.isArray(events)
      ? [{ seq: only.seq, id: only.eventId, at: Number(events), event: JSON.parse(only.eventJson) as EventRecord["event"] }]
      : parseRecords(events);
  return {
    epoch: Number(epoch),
    state,
    ctx,
    version: Number(version),
    entry: entryOfPacked(timers),
    timers,
    deadline,
    events: records,
    attempts: Number(attempts ?? 0),
    machineVersion: Number(machineVersion ?? 0),
  };
}

export async function startFlow(
  redis: FlowRedis,
  keys: FlowKeys,
  eventId: string,
  eventJson: string,
  token: string,
  ttlMs: number,
  batch: number,
  seenTtlMs: number,
  seenMax: number,
  initial: string,
  ctxJson: string,
  machineVersion: number,
): Promise<EnqueueReply> {
  return parseEnqueue(
    await startScript.call(redis, [
      "",
      4,
      keys.state,
      keys.queue,
      keys.lock,
      keys.seen,
      eventId,
      eventJson,
      token,
      ttlMs,
      batch,
      seenTtlMs,
      seenMax,
      initial,
      ctxJson,
      machineVersion,
    ]),
  );
}

export interface CommitArgs {
  /** The holder's lock token: its lock key's value in single-instance mode (Lease.token). */
  token: string;
  epoch: number;
  expectedVersion: number;
  applied: number;
  pop: number;
  /** Sequence of the queue head that the pop removes (checked). */
  headSeq: number;
  state: string;
  /** "" = unchanged since the last commit (or the snapshot). */
  ctxJson: string;
  /** TimerStore.pack of the timers armed on entering a state (it carries the entry token); "" = unchanged. */
  timersPacked: string;
  /** TimerStore.pack of the deadline armed at start; "" = unchanged, "-" = remove. */
  deadlinePacked: string;
  ended: boolean;
  deadLetter: string;
  release: boolean;
  /**
   * Timers the commit arms (the state entered) and cancels (the state left), in the flow's timer
   * shard `timerKey`: only on a standalone Redis (Deployment.topology); on a Cluster both are empty.
   */
  timerKey: string;
  arm: readonly { member: string; ms: number }[];
  cancel: readonly string[];
  /** The pop consumes the head whose attempts are counted in the flow hash: forget the count. */
  clearAttempts: boolean;
  /** A migration: the version the flow moves from, and the one it now follows (0 = none). */
  migratedFrom: number;
  machineVersion: number;
}

/** Separates the timers to arm or cancel in one commit argument: no member holds it (timers/member.ts). */
const TIMER_LIST_SEPARATOR = "\u001c";

export type CommitReply =
  | { kind: "stale"; epoch: string; version: string }
  | { kind: "ended"; dropped: number }
  | { kind: "released" }
  | { kind: "more"; events: EventRecord[] };

/** One flow's reply in a batched call: its own error fails only its own caller. */
function flowReply(reply: unknown): [string, Reply?, Reply?, ...Reply[]] {
  const parts = reply as [string, Reply?, Reply?, ...Reply[]];
  if (parts[0] === "error") throw new ReplyError(String(parts[1]));
  return parts;
}

function parseEnqueue(reply: unknown, item?: { eventId: string; eventJson: string }): EnqueueReply {
  // enqueue.lua answers a queued event with its bare sequence number.
  if (typeof reply === "number") return { kind: "queued", seq: reply };
  const parts = flowReply(reply);
  const [kind, seq, snapshot] = parts;
  if (kind === "queued") return { kind, seq: Number(seq) };
  if (kind === "locked") {
    // start.lua nests the snapshot; enqueue.lua sends its fields flat after the sequence number.
    const fields = Array.isArray(snapshot) ? snapshot : (parts as Reply[]).slice(2);
    return { kind, seq: Number(seq), snapshot: parseSnapshot(fields, item && { seq: Number(seq), eventId: item.eventId, eventJson: item.eventJson }) };
  }
  return { kind: kind as "unknown" | "closed" | "duplicate" | "exists" };
}

const RELEASED: CommitReply = Object.freeze({ kind: "released" });

function parseCommit(reply: unknown): CommitReply {
  if (reply === 0) return RELEASED;
  const [kind, first, second] = flowReply(reply);
  if (kind === "stale") return { kind, epoch: String(first), version: String(second) };
  if (kind === "ended") return { kind, dropped: Number(first) };
  if (kind === "more") return { kind, events: parseRecords(first ?? []) };
  return { kind: "released" };
}

/** What the hot path's scripts take from the runtime's options, the same for every call. */
export interface HotPathSettings {
  ttlMs: number;
  batch: number;
  seenTtlMs: number;
  seenMax: number;
  retentionMs: number;
  deadLetterMax: number;
  /** Most flows in one enqueue or commit call (1 on Redis Cluster: a call must stay in one slot). */
  flowsPerCall: number;
  /** Deployment.lock, passed to commit.lua: whether it releases and extends the lock key beside the flow. */
  lock: LockMode;
}

interface EnqueueItem {
  keys: FlowKeys;
  eventId: string;
  eventJson: string;
  token: string;
}

interface CommitItem {
  keys: FlowKeys;
  args: CommitArgs;
}

/**
 * enqueue.lua and commit.lua, each fed through a ScriptBatch: the events (and commits) this
 * process issues for different flows in the same tick share one call.
 */
export class HotPathScripts {
  private readonly enqueues: ScriptBatch<EnqueueItem, EnqueueReply>;
  private readonly commits: ScriptBatch<CommitItem, CommitReply>;

  constructor(redis: FlowRedis, s: HotPathSettings) {
    // Each call's list is built in place: the SHA's slot, numkeys, every key, then every argument.
    this.enqueues = new ScriptBatch<EnqueueItem, EnqueueReply>({
      maxItems: s.flowsPerCall,
      parse: parseEnqueue,
      call: (items) => {
        const args: (string | number)[] = ["", items.length * 4];
        for (const { keys: k } of items) args.push(k.state, k.queue, k.lock, k.seen);
        args.push(s.ttlMs, s.batch, s.seenTtlMs, s.seenMax);
        for (const { eventId, eventJson, token } of items) args.push(eventId, eventJson, token);
        return enqueueScript.call(redis, args) as Promise<Reply[]>;
      },
    });
    this.commits = new ScriptBatch<CommitItem, CommitReply>({
      maxItems: s.flowsPerCall,
      parse: parseCommit,
      call: (items) => {
        const args: (string | number)[] = ["", 0];
        for (const { keys: k, args: a } of items) {
          args.push(k.state, k.queue, k.lock, k.seen, k.deadLetters);
          // commit.lua expects the timer shard among a flow's keys exactly when it has timers to arm or cancel.
          if (a.arm.length > 0 || a.cancel.length > 0) args.push(a.timerKey);
        }
        args[1] = args.length - 2;
        args.push(s.retentionMs, s.ttlMs, s.batch, s.deadLetterMax, s.lock);
        for (const { args: a } of items) {
          args.push(
            a.token,
            a.epoch,
            a.expectedVersion,
            a.applied,
            a.pop,
            a.pop > 0 ? a.headSeq : "",
            a.state,
            a.ctxJson,
            a.timersPacked,
            a.deadlinePacked,
            a.ended ? "1" : "0",
            a.deadLetter,
            a.release ? "1" : "0",
            a.arm.length > 0 ? a.arm.map((t) => `${Math.round(t.ms)}${TIMER_LIST_SEPARATOR}${t.member}`).join(TIMER_LIST_SEPARATOR) : "",
            a.cancel.length > 0 ? a.cancel.join(TIMER_LIST_SEPARATOR) : "",
            a.clearAttempts ? "1" : "0",
            a.machineVersion > 0 ? `${a.machineVersion}:${a.migratedFrom}` : "",
          );
        }
        return commitScript.call(redis, args) as Promise<Reply[]>;
      },
    });
  }

  /** Appends one event (the ack) and takes the flow's lock when `token` is given and the lock is free. */
  enqueue(keys: FlowKeys, eventId: string, eventJson: string, token: string): Promise<EnqueueReply> {
    return this.enqueues.submit({ keys, eventId, eventJson, token });
  }

  /** Commits a drain's applied events, fenced by its epoch and version. */
  commit(keys: FlowKeys, args: CommitArgs): Promise<CommitReply> {
    return this.commits.submit({ keys, args });
  }
}

export type ClaimReply = { kind: "gone" | "busy" } | { kind: "empty"; qseq: number } | { kind: "locked"; snapshot: Snapshot };

function parseClaim(reply: Reply): ClaimReply {
  const [kind, value] = reply as [string, Reply?];
  if (kind === "empty") return { kind, qseq: Number(value) };
  if (kind === "locked") return { kind, snapshot: parseSnapshot(value ?? []) };
  return { kind: kind as "gone" | "busy" };
}

/** Sweeper, single-instance mode: takes the lock of a flow with queued events if it is free. */
export async function claimFlow(redis: FlowRedis, keys: FlowKeys, token: string, ttlMs: number, batch: number): Promise<ClaimReply> {
  return parseClaim(await commands(redis).fsmFlowClaim(keys.state, keys.queue, keys.lock, token, ttlMs, batch));
}

/** Redlock mode: bumps the epoch once the lock servers granted the lock. */
export async function fenceFlow(redis: FlowRedis, keys: FlowKeys, batch: number): Promise<ClaimReply> {
  return parseClaim(await commands(redis).fsmFlowFence(keys.state, keys.queue, batch));
}

export async function extendLock(redis: FlowRedis, keys: FlowKeys, token: string, ttlMs: number, epoch: number): Promise<boolean> {
  return Number(await commands(redis).fsmFlowExtend(keys.lock, keys.state, token, ttlMs, epoch)) === 1;
}

/**
 * Queues one event for a flow without taking its lock (operations: `fsmc flows migrate`): the ack of
 * enqueue.lua, with its refusals (an unknown or ended flow) and its idempotence by event id.
 */
export async function queueEvent(
  redis: FlowRedis,
  keys: FlowKeys,
  eventId: string,
  eventJson: string,
  seenTtlMs: number,
  seenMax: number,
): Promise<EnqueueReply> {
  const replies = (await enqueueScript.call(redis, [
    "",
    4,
    keys.state,
    keys.queue,
    keys.lock,
    keys.seen,
    1,
    1,
    seenTtlMs,
    seenMax,
    eventId,
    eventJson,
    "",
  ])) as Reply[];
  return parseEnqueue(replies[0]);
}

/** Counts the attempt the holder of `epoch` is about to begin at head event `seq`; false when the flow was taken over or ended. */
export async function recordAttempt(redis: FlowRedis, keys: FlowKeys, epoch: number, seq: number, attempt: number): Promise<boolean> {
  return Number(await commands(redis).fsmFlowAttempt(keys.state, epoch, seq, attempt)) === 1;
}

export async function releaseLock(redis: FlowRedis, keys: FlowKeys, token: string): Promise<boolean> {
  return Number(await commands(redis).fsmFlowRelease(keys.lock, token)) === 1;
}

/** Force-release: returns the new epoch (-1 when the flow does not exist) and whether a lock was deleted. */
export async function unlockFlow(redis: FlowRedis, keys: FlowKeys): Promise<{ epoch: number; deleted: boolean }> {
  const [epoch, deleted] = (await commands(redis).fsmFlowUnlock(keys.state, keys.lock)) as [number, number];
  return { epoch: Number(epoch), deleted: Number(deleted) === 1 };
}

export async function removePending(redis: FlowRedis, pendingKey: string, member: string, readScore: string): Promise<boolean> {
  return Number(await commands(redis).fsmPendingRemove(pendingKey, member, readScore)) === 1;
}
