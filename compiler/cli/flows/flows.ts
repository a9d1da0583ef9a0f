// `fsmc flows inspect|unlock|stuck|migrate|list|dlq`: operations on live flows in Redis, for people on call.
import type { Argv, CommandModule } from "yargs";

import {
  assertFlowId,
  DEFAULT_TIMER_SHARDS,
  deleteLockOnServers,
  forceUnlock,
  InvalidFlowIdError,
  inspectFlow,
  inspectLockServers,
  migrateFlows,
  type FlowInspection,
} from "@fsmc/runtime/operations";

import { keyPrefixCliOption, redisOption, withOpsRedis, type OpsServers } from "./ops-connection.js";
import { dlqCommand } from "./dlq.js";
import { listCommand } from "./list.js";
import { stuckCommand } from "./stuck.js";

interface FlowArgs {
  machine: string;
  flowId: string;
  redis: string | undefined;
  "key-prefix": string | undefined;
  locks: string[];
  json: boolean;
}

const flowArguments = (yargs: Argv) =>
  yargs
    .positional("machine", { type: "string", demandOption: true, describe: "Machine name, as in the spec (e.g. InboundCall)" })
    .positional("flowId", { type: "string", demandOption: true, describe: "Flow id" })
    .option("redis", redisOption)
    .option("key-prefix", keyPrefixCliOption)
    .option("locks", { type: "string", array: true, default: [], describe: "Redlock mode: URLs of the lock servers" })
    .option("json", { type: "boolean", default: false, describe: "Print JSON" }) as unknown as Argv<FlowArgs>;

/** Validates the flow id (exit 2 when bad), then runs `work` against the servers. */
async function withRedis(command: string, args: FlowArgs, work: (servers: OpsServers) => Promise<void>): Promise<void> {
  try {
    assertFlowId(args.flowId);
  } catch (error) {
    if (!(error instanceof InvalidFlowIdError)) throw error;
    process.stderr.write(`fsmc flows ${command}: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  await withOpsRedis(command, { redis: args.redis, keyPrefix: args["key-prefix"], locks: args.locks }, work);
}

const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());

function renderInspection(f: FlowInspection): string {
  if (!f.exists) {
    const rest = f.queue.length > 0 || f.lock ? `; leftovers: ${f.queue.length} queued event(s), lock ${f.lock ? "held" : "free"}` : "";
    return `flow ${f.machine}/${f.flowId}: not found (never started, or expired after it ended)${rest}\n`;
  }
  const lines = [
    `flow ${f.machine}/${f.flowId}`,
    `  state         ${f.state} (${f.status})`,
    `  version       ${f.version}  (machine version ${f.machineVersion})`,
    `  epoch         ${f.epoch}`,
    `  last seq      ${f.lastSeq}`,
    `  created       ${time(f.created)}`,
    `  updated       ${time(f.updated)}`,
    ...(f.expiresInMs !== undefined ? [`  expires in    ${f.expiresInMs} ms`] : []),
    `  context       ${JSON.stringify(f.context)}`,
    `  lock          ${f.lock ? `held by ${f.lock.holder}, expires in ${f.lock.ttlMs} ms` : "free"}`,
    ...(f.lockServers ?? []).map(
      (l) => `    on ${l.server}: ${l.error ? `unreachable (${l.error})` : l.holder ? `held (${l.holder}), expires in ${l.ttlMs} ms` : "free"}`,
    ),
    `  timers        ${(f.timers ?? []).map((t) => `${t.id} ${t.due === undefined ? "not in its shard" : `due ${time(t.due)}`}`).join(", ") || "-"}  entry ${f.entry || "-"}`,
    `  deadline      ${f.deadline ? `due ${f.deadline.due === undefined ? "unknown" : time(f.deadline.due)}` : "-"}`,
    `  queue         ${f.queue.length} event(s)`,
    ...f.queue.map((r) => `    #${r.seq}  ${JSON.stringify(r.event)}${r.id ? `  id ${r.id}` : ""}  at ${time(r.at)}`),
    `  dead letters  ${f.deadLetters.length}`,
    ...f.deadLetters.map((d) => {
      const r = d as { seq?: number; event?: unknown; attempts?: number; error?: string };
      return `    #${r.seq}  ${JSON.stringify(r.event)}  attempts ${r.attempts}  error: ${r.error}`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}

interface InspectArgs extends FlowArgs {
  "timer-shards": number;
}

const inspectCommand: CommandModule<object, InspectArgs> = {
  command: "inspect <machine> <flowId>",
  describe: "Show a flow: state, context, version, epoch, queue, lock holder and TTL, timers with their due times, dead letters",
  builder: (yargs) =>
    flowArguments(yargs)
      // Due times live in the timer shards' scores: which shard holds a flow's timers depends on the count.
      .option("timer-shards", {
        type: "number",
        default: DEFAULT_TIMER_SHARDS,
        describe: "Timer shards per machine of the runtimes (their timerShards option)",
      }) as unknown as Argv<InspectArgs>,
  handler: (args) =>
    withRedis("inspect", args, async ({ redis, locks, keys }) => {
      const inspection = await inspectFlow(redis, args.machine, args.flowId, { timerShards: args["timer-shards"], keyPrefix: keys.prefix });
      if (locks.length > 0) inspection.lockServers = await inspectLockServers(locks, keys, args.machine, args.flowId);
      process.stdout.write(args.json ? `${JSON.stringify(inspection, null, 2)}\n` : renderInspection(inspection));
      process.exitCode = inspection.exists ? 0 : 1;
    }),
};

const unlockCommand: CommandModule<object, FlowArgs> = {
  command: "unlock <machine> <flowId>",
  describe: "Force-release a flow's lock: bump its epoch (the old holder's commit is refused) and delete the lock",
  builder: flowArguments,
  handler: (args) =>
    withRedis("unlock", args, async ({ redis, locks, keys }) => {
      // Epoch first: whoever holds the lock anywhere is fenced before the lock disappears.
      const result = await forceUnlock(redis, args.machine, args.flowId, { keyPrefix: keys.prefix });
      if (locks.length > 0 && (await deleteLockOnServers(locks, keys, args.machine, args.flowId)) > 0) result.deleted = true;
      if (args.json) process.stdout.write(`${JSON.stringify({ machine: args.machine, flowId: args.flowId, ...result })}\n`);
      else if (!result.exists)
        process.stdout.write(`flow ${args.machine}/${args.flowId}: not found${result.deleted ? " (a leftover lock was deleted)" : ""}\n`);
      else process.stdout.write(`flow ${args.machine}/${args.flowId}: epoch now ${result.epoch}, lock ${result.deleted ? "deleted" : "was already free"}\n`);
      process.exitCode = result.exists ? 0 : 1;
    }),
};

interface MigrateArgs {
  machine: string;
  from: number;
  to: number | undefined;
  redis: string | undefined;
  "key-prefix": string | undefined;
  json: boolean;
  "pending-shards": number;
}

const migrateCommand: CommandModule<object, MigrateArgs> = {
  command: "migrate <machine>",
  describe: "Get every active flow of an old version taken, so the runtimes move it by the newer version's 'migrate from' block (safe to run again)",
  builder: (yargs) =>
    yargs
      .positional("machine", { type: "string", demandOption: true, describe: "Machine name, as in the spec" })
      .option("from", { type: "number", demandOption: true, describe: "The old version whose flows move" })
      .option("to", { type: "number", describe: "The version they move to (default: the newest stored one with a 'migrate from' block for --from)" })
      .option("redis", redisOption)
      .option("key-prefix", keyPrefixCliOption)
      .option("pending-shards", { type: "number", default: 8, describe: "Shards of the pending index of the runtimes (their pendingShards option)" })
      .option("json", { type: "boolean", default: false, describe: "Print JSON" }) as unknown as Argv<MigrateArgs>,
  handler: async (args) => {
    for (const [flag, value] of [
      ["from", args.from],
      ["to", args.to],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        process.stderr.write(`fsmc flows migrate: --${flag} must be a version number (a whole number from 1), got ${value}\n`);
        process.exitCode = 2;
        return;
      }
    }
    await withOpsRedis("migrate", { redis: args.redis, keyPrefix: args["key-prefix"] }, async ({ redis, keys }) => {
      const report = await migrateFlows(redis, {
        machine: args.machine,
        from: args.from,
        ...(args.to !== undefined ? { to: args.to } : {}),
        pendingShards: args["pending-shards"],
        keyPrefix: keys.prefix,
      });
      if (typeof report === "string") {
        process.stderr.write(`fsmc flows migrate: ${report}\n`);
        process.exitCode = 1;
        return;
      }
      if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [
          `${report.machine}: ${report.queued.length} flow(s) of version ${report.from} queued to move to version ${report.to}; the runtimes move each as they next take it`,
          ...(report.unmapped.length > 0 ? [`${report.unmapped.length} flow(s) of version ${report.from} stay on it (their state maps to nothing):`] : []),
          ...report.unmapped.map((u) => `  ${u.flowId}  in ${u.state}`),
          ...(report.otherVersions > 0 ? [`${report.otherVersions} active flow(s) of other versions left alone`] : []),
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      process.exitCode = 0;
    });
  },
};

export const flowsCommand: CommandModule = {
  command: "flows <command>",
  describe: "Operate on running flows in Redis (inspect, unlock, stuck, migrate, list, dlq)",
  builder: (yargs: Argv) =>
    yargs
      .command(inspectCommand)
      .command(unlockCommand)
      .command(stuckCommand)
      .command(migrateCommand)
      .command(listCommand)
      .command(dlqCommand)
      .demandCommand(1, "Name a flows command: inspect, unlock, stuck, migrate, list or dlq."),
  handler: () => {},
};
