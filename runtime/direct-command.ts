// Sends hot-path commands through ioredis with their argument lists as built, and scripts by SHA with a fallback to EVAL.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Command } from "ioredis";

import type { FlowRedis } from "./connection.js";
import { ConfigurationError } from "./errors.js";

type Argument = string | number;

/** The ioredis versions the direct way of building commands was tested with (package.json pins the same range). */
export const TESTED_IOREDIS_RANGE = "~6.0.0";

/** Makes the Command for `name` and `args` (every argument a string already). */
type BuildCommand = (CommandClass: typeof Command, name: string, args: string[]) => Command;

/** Built empty, then given the list: nothing is copied (see sendDirect). Relies on how ioredis 6.0 treats `args`. */
const buildDirect: BuildCommand = (CommandClass, name, args) => {
  const command = new CommandClass(name, [], { replyEncoding: "utf8" });
  command.args = args;
  return command;
};

/** The way ioredis documents: its constructor copies the list. */
const buildConstructed: BuildCommand = (CommandClass, name, args) => new CommandClass(name, args, { replyEncoding: "utf8" });

/** What an EVALSHA of a flow on two keys must be written as, and what a Cluster routes it by. */
const PROBE_KEYS = ["fsm:{Probe:é}:s", "fsm:{Probe:é}:q"];
const PROBE_ARGS = ["0".repeat(40), "2", ...PROBE_KEYS, "1", "", "héllo"];
const PROBE_RESP = `*${PROBE_ARGS.length + 1}\r\n$7\r\nevalsha\r\n${PROBE_ARGS.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;

/** Why a command built this way would not be what Redis must receive, or undefined when it is. */
function mismatch(CommandClass: typeof Command, build: BuildCommand): string | undefined {
  try {
    const command = build(CommandClass, "evalsha", [...PROBE_ARGS]);
    const written = command.toWritable({});
    if (!Buffer.from(written).equals(Buffer.from(PROBE_RESP))) return `it would write ${JSON.stringify(String(written))}, not ${JSON.stringify(PROBE_RESP)}`;
    const keys = command.getKeys().map(String);
    if (keys.join("\n") !== PROBE_KEYS.join("\n")) return `it finds the keys ${JSON.stringify(keys)}, not ${JSON.stringify(PROBE_KEYS)}`;
    const reply = command.transformReply([Buffer.from("é"), 1, null, [Buffer.from("x")]] as unknown as Buffer[]) as unknown;
    if (JSON.stringify(reply) !== JSON.stringify(["é", 1, null, ["x"]])) return `it decodes a reply as ${JSON.stringify(reply)}`;
    return undefined;
  } catch (error) {
    return `building it failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function installedIoredisVersion(): string {
  try {
    return String((createRequire(import.meta.url)("ioredis/package.json") as { version?: unknown }).version);
  } catch {
    return "(version unknown)";
  }
}

/**
 * The self-check run before the first direct command of the process: a command built the direct
 * way must be written as the RESP its arguments make, be routed by its keys, and have its reply
 * decoded as text. When it is not (an ioredis outside TESTED_IOREDIS_RANGE changed how it treats
 * `args`), commands are built the way ioredis documents — correct, only slower for large shared
 * calls — with a process warning saying why; when that fails too, ConfigurationError naming the version.
 */
export function chooseCommandBuilder(
  CommandClass: typeof Command = Command,
  version = installedIoredisVersion(),
): { mode: "direct" } | { mode: "constructed"; warning: string } {
  const direct = mismatch(CommandClass, buildDirect);
  if (direct === undefined) return { mode: "direct" };
  const constructed = mismatch(CommandClass, buildConstructed);
  if (constructed !== undefined) {
    throw new ConfigurationError(
      `ioredis ${version} does not build Redis commands as the runtime expects (${constructed}); the runtime is tested with ioredis ${TESTED_IOREDIS_RANGE}`,
    );
  }
  const warning = `ioredis ${version} treats a command's arguments differently from ioredis ${TESTED_IOREDIS_RANGE}, which the runtime is tested with (${direct}): it sends its commands the way ioredis documents, copying their argument lists`;
  return { mode: "constructed", warning };
}

/** How this process builds direct commands: decided by chooseCommandBuilder before the first one (or the error it failed with). */
let builder: BuildCommand | ConfigurationError | undefined;

function commandBuilder(): BuildCommand {
  if (builder === undefined) {
    try {
      const chosen = chooseCommandBuilder();
      if (chosen.mode === "constructed") process.emitWarning(chosen.warning, { code: "FSMC_IOREDIS_UNTESTED" });
      builder = chosen.mode === "direct" ? buildDirect : buildConstructed;
    } catch (error) {
      builder = error instanceof ConfigurationError ? error : new ConfigurationError(String(error));
    }
  }
  if (builder instanceof ConfigurationError) throw builder;
  return builder;
}

/**
 * Why not `redis.call` or a defined command: ioredis copies every argument list with
 * `Array.prototype.flat`, which costs Node 20 about 0.16 µs an argument — for a shared call of a
 * hundred flows' keys and arguments, more than the rest of the client's work. Here the command is
 * built empty (nothing to copy) and given the list, once chooseCommandBuilder has found that this
 * ioredis writes, routes and decodes a command built so. Like any ioredis command it honours the
 * command timeout and the offline queue, and it is written when sent, never held for an
 * auto-pipeline: so commands sent this way reach Redis in the order they were sent.
 */
export function sendDirect(redis: FlowRedis, name: string, args: Argument[]): Promise<unknown> {
  let build: BuildCommand;
  try {
    build = commandBuilder();
  } catch (error) {
    return Promise.reject(error);
  }
  // What the constructor would have done to the list: numbers go out as their decimal text.
  for (let i = 0; i < args.length; i++) if (typeof args[i] === "number") args[i] = String(args[i]);
  return redis.sendCommand(build(Command, name, args as string[])) as Promise<unknown>;
}

/** A Lua script sent by SHA; a server that does not know it yet (NOSCRIPT: new, restarted, flushed) gets the source once. */
export class DirectScript {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  /**
   * `args` is EVALSHA's argument list with its first element left for the SHA (set here: a list
   * of a thousand arguments is not copied to put one in front), then numkeys, the keys, the arguments.
   */
  async call(redis: FlowRedis, args: Argument[]): Promise<unknown> {
    args[0] = this.sha;
    try {
      return await sendDirect(redis, "evalsha", args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      // Nothing ran: EVAL runs it and leaves it cached for the next EVALSHA.
      args[0] = this.lua;
      return sendDirect(redis, "eval", args);
    }
  }
}
