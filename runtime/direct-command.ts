// Sends hot-path commands through ioredis with their argument lists as built, and scripts by SHA with a fallback to EVAL.
import { createHash } from "node:crypto";
import { Command } from "ioredis";

import type { FlowRedis } from "./connection.js";

type Argument = string | number;

/**
 * Why not `redis.call` or a defined command: ioredis copies every argument list with
 * `Array.prototype.flat`, which costs Node 20 about 0.16 µs an argument — for a shared call of a
 * hundred flows' keys and arguments, more than the rest of the client's work. Here the command is
 * built empty (nothing to copy) and given the list. Like any ioredis command it honours the
 * command timeout and the offline queue, and it is written when sent, never held for an
 * auto-pipeline: so commands sent this way reach Redis in the order they were sent.
 */
export function sendDirect(redis: FlowRedis, name: string, args: Argument[]): Promise<unknown> {
  const command = new Command(name, [], { replyEncoding: "utf8" });
  // What the constructor would have done to the list: numbers go out as their decimal text.
  for (let i = 0; i < args.length; i++) if (typeof args[i] === "number") args[i] = String(args[i]);
  command.args = args;
  return redis.sendCommand(command) as Promise<unknown>;
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
