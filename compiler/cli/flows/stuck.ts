// `fsmc flows stuck`: lists flows past their deadline, orphaned queues, hung lock holders, versions no live process runs, and dead-lettered events.
import type { Argv, CommandModule } from "yargs";
import { DEFAULT_HOLDER_LIMITS, DEFAULT_TIMER_SHARDS, hungHolderAfterMs, listStuckFlows, type StuckFlows } from "@fsmc/runtime/operations";

import { keyPrefixCliOption, redisOption, withOpsRedis } from "./ops-connection.js";

interface StuckArgs {
  redis: string | undefined;
  "key-prefix": string | undefined;
  locks: string[];
  json: boolean;
  "lock-ttl": number;
  "hung-after": number;
  grace: number;
  redeliver: boolean;
  "timer-shards": number;
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)}s` : "unknown";
}

function renderText(report: StuckFlows): string {
  const lines: string[] = [];
  lines.push(`past deadline: ${report.counts.pastDeadline}`);
  for (const f of report.pastDeadline) {
    lines.push(`  ${f.machine}/${f.flowId}  state ${f.state}  overdue ${seconds(f.overdueMs)}${f.redelivered ? "  (deadline redelivered)" : ""}`);
  }
  lines.push(`orphaned queues: ${report.counts.orphanedQueues}`);
  for (const q of report.orphanedQueues) lines.push(`  ${q.machine}/${q.flowId}  ${q.queued} queued  oldest ${seconds(q.oldestMs)}  no lock`);
  lines.push(`hung holders: ${report.counts.hungHolders}`);
  for (const h of report.hungHolders) {
    const head = `#${h.headSeq ?? "?"} ${h.headType ?? "(unreadable)"}`;
    const expires = h.lockTtlMs < 0 ? "never expires" : `expires in ${seconds(h.lockTtlMs)}`;
    lines.push(`  ${h.machine}/${h.flowId}  held by ${h.holder}  head ${head} waiting ${seconds(h.waitedMs)}  lock ${expires}`);
  }
  lines.push(`versions no live process runs: ${report.counts.unrunnable}`);
  for (const u of report.unrunnable) {
    const live = u.runnable.length > 0 ? `live processes run ${u.runnable.join(", ")}` : "no live process runs this machine";
    lines.push(`  ${u.machine}/${u.flowId}  version ${u.version}  ${u.queued} queued  oldest ${seconds(u.oldestMs)}  (${live})`);
  }
  lines.push(`dead-lettered events: ${report.counts.deadLetteredEvents} in ${report.counts.deadLettered} flows`);
  for (const d of report.deadLettered) lines.push(`  ${d.machine}/${d.flowId}  ${d.events.length} event(s)`);
  return `${lines.join("\n")}\n`;
}

const defaultHungAfterMs = hungHolderAfterMs(DEFAULT_HOLDER_LIMITS);
const d = DEFAULT_HOLDER_LIMITS;

export const stuckCommand: CommandModule<object, StuckArgs> = {
  command: "stuck",
  describe:
    "List flows past their deadline, queues no live lock drains, lock holders that stopped making progress, flows of versions no live process runs, and dead-lettered events",
  builder: (yargs: Argv) =>
    yargs
      .option("redis", redisOption)
      .option("key-prefix", keyPrefixCliOption)
      .option("locks", {
        type: "string",
        array: true,
        default: [],
        describe: "Redlock mode: URLs of the lock servers (a queue is orphaned only when no quorum of them holds its lock)",
      })
      .option("json", { type: "boolean", default: false, describe: "Print the report as JSON (on stdout; notes go to stderr)" })
      .option("lock-ttl", { type: "number", default: 10_000, describe: "Lock TTL of the runtimes, ms: a queue waiting longer with no lock is orphaned" })
      .option("hung-after", {
        type: "number",
        default: defaultHungAfterMs,
        describe:
          "A queue head waiting longer than this (ms) while the flow's lock is held is a hung holder. The default is what a healthy holder " +
          `can take with the runtime's defaults: ${d.maxAttempts} attempts × handlerTimeoutMs ${d.handlerTimeoutMs} + the backoffs between them ` +
          `(retry baseMs ${d.retryBaseMs}, maxMs ${d.retryMaxMs}) + lockTtlMs ${d.lockTtlMs} (hungHolderAfterMs in fsmc/runtime)`,
      })
      .option("grace", { type: "number", default: 5_000, describe: "A deadline overdue by less than this (ms) is not reported" })
      .option("redeliver", { type: "boolean", default: false, describe: "Make the deadline of every flow past it due again now" })
      .option("timer-shards", {
        type: "number",
        default: DEFAULT_TIMER_SHARDS,
        describe: "Timer shards of the runtimes (their timerShards option)",
      }) as unknown as Argv<StuckArgs>,
  handler: (args) =>
    withOpsRedis("stuck", { redis: args.redis, keyPrefix: args["key-prefix"], locks: args.locks }, async ({ redis, locks, keys }) => {
      const report = await listStuckFlows(redis, {
        lockTtlMs: args["lock-ttl"],
        hungAfterMs: args["hung-after"],
        graceMs: args.grace,
        redeliver: args.redeliver,
        timerShards: args["timer-shards"],
        keyPrefix: keys.prefix,
        ...(locks.length > 0 ? { lockServers: locks.map((lock) => lock.redis) } : {}),
      });
      process.stdout.write(args.json ? `${JSON.stringify(report, (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? null : v), 2)}\n` : renderText(report));
      process.exitCode = 0;
    }),
};
