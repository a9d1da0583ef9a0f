// start()'s up-front check that the connected user's ACL allows every command the runtime sends, on every key it uses: one script call.

import { asRedisError, type Connection } from "./connection.js";
import { RedisPermissionError } from "./errors.js";
import { flowKeys, type KeySpace } from "./keys.js";
import { luaSource } from "./lua-source.js";

const checkScript = luaSource("check-permissions.lua");

/** Stands for the key of the family in a command line below. */
const KEY = "{key}";

/**
 * What the runtime runs on each kind of key, directly (send, get, the sweeper, the watchdog) or in
 * its scripts, which run under the same ACL (runtime/lua/*.lua). Every line is a whole command as
 * sent: Redis 7.0 crashes when redis.acl_check_cmd is given fewer arguments than a command's keys
 * need (`SET` alone does).
 */
const PER_KEY = {
  state: [
    "hgetall {key}",
    "hmget {key} s",
    "hget {key} s",
    "hset {key} s x",
    "hdel {key} s",
    "hexists {key} s",
    "hincrby {key} e 1",
    "exists {key}",
    "pexpire {key} 1",
  ],
  queue: ["rpush {key} x", "lpush {key} x", "lpop {key} 1", "lrange {key} 0 1", "llen {key}", "lindex {key} 0", "del {key}"],
  lock: ["set {key} x NX PX 1", "get {key}", "del {key}", "exists {key}", "pexpire {key} 1", "pttl {key}"],
  seen: ["zadd {key} 1 x", "zscore {key} x", "zremrangebyscore {key} 0 1", "zcard {key}", "zremrangebyrank {key} 0 1", "exists {key}", "pexpire {key} 1"],
  deadLetters: ["rpush {key} x", "ltrim {key} 0 1", "lrange {key} 0 1", "exists {key}", "pexpire {key} 1"],
  timers: ["zadd {key} XX 1 x", "zrem {key} x", "zrangebyscore {key} 0 1", "zrange {key} 0 1"],
  pending: ["zadd {key} 1 x", "zrangebyscore {key} 0 1", "zscore {key} x", "zrem {key} x"],
  definitions: ["hget {key} 1", "hset {key} 1 x", "hkeys {key}"],
  runners: ["zadd {key} GT 1 x", "zremrangebyscore {key} 0 1", "zrangebyscore {key} 0 1", "pexpire {key} 1"],
} as const;

const SHA = "0".repeat(40);

/**
 * Every key above is also a key of the runtime's scripts (KEYS): EVALSHA, and EVAL, which the
 * runtime and ioredis send when Redis lacks a script. With no key they check the command alone.
 */
const scriptLines = (key: string | undefined): string[][] =>
  key === undefined
    ? [
        ["evalsha", SHA, "0"],
        ["eval", "return 0", "0"],
      ]
    : [
        ["evalsha", SHA, "1", key],
        ["eval", "return 0", "1", key],
      ];

/** On no key: PING (start), TIME and SCAN (the watchdog), WAIT (`consistency: "replicated"`). */
const keyless = (replicated: boolean): string[][] => [["ping"], ["time"], ["scan", "0"], ...(replicated ? [["wait", "0", "0"]] : [])];

/** The commands above that write their key (the scripts too): a key pattern may allow reading only. */
const WRITES = new Set([
  "evalsha",
  "eval",
  "hset",
  "hdel",
  "hincrby",
  "pexpire",
  "rpush",
  "lpush",
  "lpop",
  "del",
  "set",
  "ltrim",
  "zadd",
  "zrem",
  "zremrangebyscore",
  "zremrangebyrank",
]);

export interface PermissionNeeds {
  /** The registered machines: their keys are checked (those of a placeholder machine when none is registered yet). */
  machines: readonly string[];
  /** `consistency: "replicated"`: WAIT is needed too. */
  replicated: boolean;
  /** The runtime's key space: the keys checked, and the patterns an error names, start with its prefix. */
  keys: KeySpace;
}

/** Every command the runtime needs, by name (README's "Redis permissions" lists the same). */
export function requiredCommands(needs: Pick<PermissionNeeds, "replicated">): string[] {
  const all = new Set<string>([...keyless(needs.replicated), ...scriptLines(undefined)].map((line) => line[0]!));
  for (const lines of Object.values(PER_KEY)) for (const line of lines) all.add(line.split(" ")[0]!);
  return [...all];
}

interface KeyFamily {
  /** The key the check names: what the runtime's own keys of this kind look like. */
  key: string;
  /** The same with the variable part as `*`, as the error shows it. */
  pattern: string;
  lines: readonly string[][];
}

const PROBE_ID = "fsmc-permission-check";

function keyFamilies(space: KeySpace, machines: readonly string[]): KeyFamily[] {
  const family = (key: string, pattern: string, lines: readonly string[]): KeyFamily => ({
    key,
    pattern,
    lines: [...scriptLines(key), ...lines.map((line) => line.split(" ").map((word) => (word === KEY ? key : word)))],
  });
  // The patterns as an ACL takes them: the prefix with its glob characters escaped.
  const families = [family(space.pending(0), space.pattern("fsm:pending:{*}"), PER_KEY.pending)];
  for (const machine of machines.length > 0 ? machines : [PROBE_ID]) {
    const shown = machines.length > 0 ? machine : "*";
    const keys = space.flow(machine, PROBE_ID);
    const patterns = flowKeys(shown, "*", space.pattern(""));
    for (const kind of ["state", "queue", "lock", "seen", "deadLetters"] as const) families.push(family(keys[kind], patterns[kind], PER_KEY[kind]));
    families.push(family(space.timers(machine, 0), space.pattern(`fsm:timers:{${shown}:*}`), PER_KEY.timers));
    families.push(family(space.definitions(machine), space.pattern(`fsm:def:{${shown}}`), PER_KEY.definitions));
    families.push(family(space.runners(machine), space.pattern(`fsm:runners:{${shown}}`), PER_KEY.runners));
  }
  return families;
}

/**
 * Fails with RedisPermissionError naming every command and key pattern the user's ACL refuses.
 * One EVAL, whatever the ACL (on a Redis without ACLs too): `redis.acl_check_cmd` (Redis 7) answers
 * for each command line on a key of each kind, without running it or touching anything. Before
 * Redis 7 only the EVAL itself is checked. On a Cluster it asks one node (ACLs are per node).
 */
export async function checkPermissions(connection: Connection, needs: PermissionNeeds): Promise<void> {
  const alone = [...keyless(needs.replicated), ...scriptLines(undefined)];
  const families = keyFamilies(needs.keys, needs.machines);
  const keyed = families.flatMap((family) => family.lines.map((line) => ({ family, command: line[0]! })));
  const lines = [...alone, ...families.flatMap((family) => family.lines)];
  const args = lines.flatMap((words) => [String(words.length), ...words]);
  let reply: unknown;
  try {
    reply = await (connection.redis as { eval(script: string, numkeys: number, ...args: string[]): Promise<unknown> }).eval(checkScript, 0, ...args);
  } catch (error) {
    const mapped = asRedisError(connection, error);
    if (mapped instanceof RedisPermissionError && mapped.commands.includes("eval")) {
      throw new RedisPermissionError(
        connection.address,
        connection.user,
        ["eval"],
        [],
        "the runtime needs the command eval for its scripts (nothing else was checked: the check runs as a script)",
        { cause: error },
      );
    }
    throw mapped;
  }
  if (!Array.isArray(reply)) return; // -1: this Redis cannot tell (before 7.0)
  const refusedLines = new Set((reply as unknown[]).map(Number));
  const refusedCommands = new Set(alone.filter((_, i) => refusedLines.has(i + 1)).map((line) => line[0]!));
  // Per family: the commands refused on its key.
  const refusedOn = new Map<KeyFamily, Set<string>>(families.map((family) => [family, new Set<string>()]));
  keyed.forEach(({ family, command }, i) => {
    if (refusedLines.has(alone.length + i + 1)) refusedOn.get(family)!.add(command);
  });
  // Redis says only "refused", not whether the command or the key was. A command refused on every key
  // it was tried on, each of which let another command of its kind (read or write) through, is refused
  // itself; the rest are refusals of the key (a pattern missing, or allowing reads only).
  const keyedCommands = new Set(keyed.map(({ command }) => command));
  for (const command of keyedCommands) {
    if (refusedCommands.has(command)) continue;
    const tried = families.filter((family) => family.lines.some((line) => line[0] === command));
    const kindPassed = (family: KeyFamily) =>
      family.lines.some((line) => line[0] !== command && WRITES.has(line[0]!) === WRITES.has(command) && !refusedOn.get(family)!.has(line[0]!));
    if (tried.every((family) => refusedOn.get(family)!.has(command)) && tried.some(kindPassed)) refusedCommands.add(command);
  }
  const keyTexts: string[] = [];
  const keyPatterns: string[] = [];
  for (const family of families) {
    const denied = [...refusedOn.get(family)!].filter((command) => !refusedCommands.has(command));
    if (denied.length === 0) continue;
    const allowedCommands = new Set(family.lines.map((line) => line[0]!).filter((command) => !refusedCommands.has(command)));
    keyPatterns.push(family.pattern);
    keyTexts.push(denied.length === allowedCommands.size ? family.pattern : `${family.pattern} (for ${denied.join(", ")})`);
  }
  if (refusedCommands.size === 0 && keyPatterns.length === 0) return;
  const commands = requiredCommands(needs).filter((command) => refusedCommands.has(command));
  const parts = [
    ...(commands.length > 0 ? [`the command${commands.length > 1 ? "s" : ""} ${commands.join(", ")}`] : []),
    ...(keyTexts.length > 0 ? [`the key${keyTexts.length > 1 ? "s" : ""} ${keyTexts.join(", ")}`] : []),
  ];
  throw new RedisPermissionError(
    connection.address,
    connection.user,
    commands,
    keyPatterns,
    `the runtime needs ${parts.join(" and ")} (see "Redis permissions" in the runtime's README)`,
  );
}
