// Observes, in this process, every fsmc commit that Redis accepted: which flow, which queued events.
// The runtime has no per-event "committed" hook, so the benchmark wraps the commit script of each
// ioredis connection as the runtime defines it; only replies are read, nothing is changed.
import { Redis } from "ioredis";

/** `firstSeq` is the flow's queue sequence of the first event the commit popped (1 = the start event). */
export type CommitListener = (stateKey: string, firstSeq: number, count: number) => void;

const COMMIT_SCRIPT = "fsmFlowCommit";
/** Positions in the commit script's keys-then-arguments call (see runtime/lua/commit.lua). */
const STATE_KEY = 0;
const POP_COUNT = 9;
const HEAD_SEQ = 10;
const ACCEPTED = new Set(["released", "more", "ended"]);

let listener: CommitListener | undefined;
let installed = false;
/** Connections on which the runtime defined its flow scripts. */
const flowConnections = new Set<Redis>();

type ScriptFunction = (this: { isPipeline?: boolean }, ...args: (string | number)[]) => unknown;

export function observeFsmcCommits(onCommit: CommitListener | undefined): void {
  listener = onCommit;
  if (installed) return;
  installed = true;
  const defineCommand = Redis.prototype.defineCommand;
  Redis.prototype.defineCommand = function (this: Redis, name, definition) {
    defineCommand.call(this, name, definition);
    if (name !== COMMIT_SCRIPT) return;
    flowConnections.add(this);
    const target = this as unknown as Record<string, ScriptFunction>;
    const commit = target[name]!;
    // A pipeline copies this function and calls it with itself as `this` (it then returns the pipeline,
    // not a reply): observe only calls on the connection, whose promise carries the reply.
    target[name] = function (this: { isPipeline?: boolean }, ...args) {
      const result = commit.apply(this, args);
      if (!this.isPipeline && result instanceof Promise) {
        result.then(
          (reply) => {
            const kind = Array.isArray(reply) ? String(reply[0]) : "";
            const count = Number(args[POP_COUNT]);
            if (listener && ACCEPTED.has(kind) && count > 0) listener(String(args[STATE_KEY]), Number(args[HEAD_SEQ]), count);
          },
          () => {},
        );
      }
      return result;
    };
  };
}

/**
 * The connections on which the runtime has defined its flow scripts so far. ioredis auto-pipelining
 * copies defined scripts into each pipeline when it opens it, and the runtime defines its scripts on
 * first use (after the pending-index ZADD opened the tick's pipeline), so auto-pipelining can only be
 * switched on once they exist.
 */
export function connectionsWithFlowScripts(): Redis[] {
  return [...flowConnections].filter((redis) => redis.status !== "end");
}
