// `fsmc flows dlq`: a flow's dead letters; `--replay n` queues one again, `--purge [n]` deletes them.
import type { Argv, CommandModule } from "yargs";

import {
  assertFlowId,
  InvalidFlowIdError,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetter,
  type DeadLetter,
  type DeadLetterList,
} from "@fsmc/runtime/operations";

import { keyPrefixCliOption, redisOption, withOpsRedis } from "./ops-connection.js";

interface DlqArgs {
  machine: string;
  flowId: string;
  replay: number | undefined;
  purge: string | undefined;
  "pending-shards": number;
  redis: string | undefined;
  "key-prefix": string | undefined;
  json: boolean;
}

const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());

function renderDeadLetter(d: DeadLetter, n: number): string {
  return `  ${n}  #${d.seq}  ${JSON.stringify(d.event)}${d.id ? `  id ${d.id}` : ""}  in ${d.state}  attempts ${d.attempts}  ${d.code}: ${d.error}${d.forced ? "  (deadline forced)" : ""}  queued ${time(d.at)}`;
}

function renderList(list: DeadLetterList): string {
  const flow = `flow ${list.machine}/${list.flowId}`;
  const status = list.exists ? `(${list.status})` : "(not found: never started, or expired after it ended)";
  const lines = [`${flow} ${status}: ${list.deadLetters.length} dead letter(s)`, ...list.deadLetters.map((d, i) => renderDeadLetter(d, i + 1))];
  return `${lines.join("\n")}\n`;
}

/** A usage problem: one line, exit code 2. */
function usage(message: string): void {
  process.stderr.write(`fsmc flows dlq: ${message}\n`);
  process.exitCode = 2;
}

export const dlqCommand: CommandModule<object, DlqArgs> = {
  command: "dlq <machine> <flowId>",
  describe: "Show a flow's dead letters; --replay n queues dead letter n again (then removes it), --purge [n] deletes them",
  builder: (yargs: Argv) =>
    yargs
      .positional("machine", { type: "string", demandOption: true, describe: "Machine name, as in the spec" })
      .positional("flowId", { type: "string", demandOption: true, describe: "Flow id" })
      .option("replay", {
        type: "number",
        requiresArg: true,
        describe: "Queue dead letter n (1-based, as listed) at the end of the flow's queue under the id <id>#replay-<seq>, then remove it",
      })
      .option("purge", { type: "string", describe: "Delete every dead letter of the flow, or only number n with --purge n" })
      .conflicts("replay", "purge")
      .option("pending-shards", { type: "number", default: 8, describe: "Shards of the pending index of the runtimes (their pendingShards option)" })
      .option("redis", redisOption)
      .option("key-prefix", keyPrefixCliOption)
      .option("json", { type: "boolean", default: false, describe: "Print JSON" }) as unknown as Argv<DlqArgs>,
  handler: async (args) => {
    try {
      assertFlowId(args.flowId);
    } catch (error) {
      if (!(error instanceof InvalidFlowIdError)) throw error;
      return usage(error.message);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(args.machine)) return usage(`the machine name must be an identifier, got ${JSON.stringify(args.machine)}`);
    if (args.replay !== undefined && (!Number.isInteger(args.replay) || args.replay < 1)) {
      return usage(`--replay must be a dead letter's number as listed (a whole number from 1), got ${args.replay}`);
    }
    let purgeOne: number | undefined;
    if (args.purge !== undefined && args.purge !== "") {
      purgeOne = Number(args.purge);
      if (!/^\d+$/.test(args.purge) || purgeOne < 1) return usage(`--purge takes no value, or a dead letter's number as listed (from 1), got ${args.purge}`);
    }
    const pendingShards = args["pending-shards"];
    if (!Number.isInteger(pendingShards) || pendingShards < 1) return usage(`--pending-shards must be a whole number from 1, got ${pendingShards}`);
    const { machine, flowId } = args;
    const flow = `flow ${machine}/${flowId}`;

    await withOpsRedis("dlq", { redis: args.redis, keyPrefix: args["key-prefix"] }, async ({ redis, keys }) => {
      if (args.replay !== undefined) {
        const result = await replayDeadLetter(redis, machine, flowId, args.replay, { keyPrefix: keys.prefix, pendingShards });
        if (result.kind === "refused") {
          if (args.json) process.stdout.write(`${JSON.stringify({ machine, flowId, ...result })}\n`);
          process.stderr.write(`fsmc flows dlq: ${result.reason}\n`);
          process.exitCode = 1;
          return;
        }
        if (args.json) process.stdout.write(`${JSON.stringify({ machine, flowId, ...result })}\n`);
        else if (result.kind === "replayed") {
          process.stdout.write(
            `${flow}: dead letter ${result.n} (${result.deadLetter.event.type}, was #${result.deadLetter.seq}) queued again as #${result.seq}, id ${result.eventId}; removed from the dead letters\n`,
          );
        } else {
          process.stdout.write(`${flow}: dead letter ${result.n} was already queued again as id ${result.eventId}; removed from the dead letters\n`);
        }
        process.exitCode = 0;
        return;
      }
      if (args.purge !== undefined) {
        const purged = await purgeDeadLetters(redis, machine, flowId, purgeOne, { keyPrefix: keys.prefix });
        if (args.json) process.stdout.write(`${JSON.stringify({ machine, flowId, purged })}\n`);
        if (purgeOne !== undefined && purged === 0) {
          process.stderr.write(`fsmc flows dlq: ${flow} has no dead letter ${purgeOne}\n`);
          process.exitCode = 1;
          return;
        }
        if (!args.json) process.stdout.write(`${flow}: ${purged} dead letter(s) deleted\n`);
        process.exitCode = 0;
        return;
      }
      const list = await listDeadLetters(redis, machine, flowId, { keyPrefix: keys.prefix });
      process.stdout.write(args.json ? `${JSON.stringify(list, null, 2)}\n` : renderList(list));
      process.exitCode = list.exists || list.deadLetters.length > 0 ? 0 : 1;
    });
  },
};
