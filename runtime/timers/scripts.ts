// Loads the timer Lua scripts once per client (ioredis defineCommand: EVALSHA, EVAL on NOSCRIPT) and wraps them with types.
import { luaSource } from "../lua-source.js";
import type { TimerRedis } from "./types.js";

const source = luaSource;
const scripts = {
  fsmTimersArm: source("arm-timers.lua"),
  fsmTimersClaim: source("claim-timers.lua"),
  fsmTimersAck: source("ack-timers.lua"),
} as const;

interface TimerCommands {
  fsmTimersArm(key: string, ...args: (string | number)[]): Promise<(number | string)[]>;
  fsmTimersClaim(key: string, leaseMs: number, batch: number): Promise<(number | string)[]>;
  fsmTimersAck(key: string, ...members: string[]): Promise<number>;
}

interface TimerPipeline {
  fsmTimersClaim(key: string, leaseMs: number, batch: number): TimerPipeline;
  fsmTimersAck(key: string, ...members: string[]): TimerPipeline;
  exec(): Promise<[Error | null, unknown][] | null>;
}

const defined = new WeakSet<object>();

/**
 * Defines the timer scripts on a client. TimerStore calls it when constructed: ioredis
 * auto-pipelining copies the defined scripts into each pipeline as it opens it, so a script
 * defined later is missing from a pipeline already open.
 */
export function defineTimerScripts(redis: TimerRedis): void {
  if (defined.has(redis)) return;
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { lua, numberOfKeys: 1 });
  defined.add(redis);
}

function commands(redis: TimerRedis): TimerCommands {
  defineTimerScripts(redis);
  return redis as unknown as TimerCommands;
}

/** ZADDs the given (member, ms) pairs into one shard, due at Redis TIME + ms; returns the due time of each, in order. */
export async function armTimers(redis: TimerRedis, key: string, entries: readonly { member: string; ms: number }[]): Promise<number[]> {
  const args = entries.flatMap((e) => [e.member, e.ms]);
  const reply = await commands(redis).fsmTimersArm(key, ...args);
  return reply.map(Number);
}

export interface ClaimReply {
  /** Redis TIME when the claim ran, in ms. */
  now: number;
  /** Earliest score left in the shard after the claim (a due time or a lease end), if any. */
  next: number | undefined;
  /** Each claimed member with its score when claimed (its due time, or the end of a lease that ran out). */
  claimed: { member: string; score: number }[];
}

function parseClaim(reply: (number | string)[]): ClaimReply {
  const next = reply[1] === "" || reply[1] === undefined ? undefined : Number(reply[1]);
  const claimed: { member: string; score: number }[] = [];
  for (let i = 2; i + 1 < reply.length; i += 2) claimed.push({ member: String(reply[i]), score: Number(reply[i + 1]) });
  return { now: Number(reply[0]), next, claimed };
}

function isCluster(redis: TimerRedis): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/**
 * Runs one script per shard key. On one server they go out as one pipeline (one write, one read:
 * the timer service claims every due shard at each tick); on a cluster the keys live on different
 * nodes, so each goes on its own. Each result is the reply or that shard's error; a connection
 * failure rejects the whole call.
 */
async function perShard<T>(
  redis: TimerRedis,
  calls: readonly ((target: TimerPipeline | TimerCommands) => unknown)[],
  parse: (reply: unknown) => T,
): Promise<(T | Error)[]> {
  if (isCluster(redis)) {
    const settled = await Promise.allSettled(calls.map((call) => call(commands(redis)) as Promise<unknown>));
    return settled.map((s) => (s.status === "fulfilled" ? parse(s.value) : s.reason instanceof Error ? s.reason : new Error(String(s.reason))));
  }
  commands(redis);
  const pipeline = (redis as unknown as { pipeline(): TimerPipeline }).pipeline();
  for (const call of calls) call(pipeline);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => (error ? error : parse(reply)));
}

/** Claims from several shards in one round trip; per shard, its claim or its error. */
export function claimTimersMany(redis: TimerRedis, keys: readonly string[], leaseMs: number, batch: number): Promise<(ClaimReply | Error)[]> {
  return perShard(
    redis,
    keys.map((key) => (target: TimerPipeline | TimerCommands) => target.fsmTimersClaim(key, leaseMs, batch)),
    (reply) => parseClaim(reply as (number | string)[]),
  );
}

/** Acks members of several shards in one round trip; per shard, how many were still there, or its error. */
export function ackTimersMany(redis: TimerRedis, batches: readonly { key: string; members: readonly string[] }[]): Promise<(number | Error)[]> {
  return perShard(
    redis,
    batches.map(
      ({ key, members }) =>
        (target: TimerPipeline | TimerCommands) =>
          target.fsmTimersAck(key, ...members),
    ),
    Number,
  );
}

/** Removes members from one shard; returns how many were still there. */
export async function ackTimers(redis: TimerRedis, key: string, members: readonly string[]): Promise<number> {
  if (members.length === 0) return 0;
  return Number(await commands(redis).fsmTimersAck(key, ...members));
}
