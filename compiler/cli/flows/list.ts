// `fsmc flows list`: the flows of one machine, a page at a time, with the cursor of the next page.
import type { Argv, CommandModule } from "yargs";

import { ConfigurationError, listFlows, type FlowPage } from "@fsmc/runtime/operations";

import { keyPrefixCliOption, redisOption, withOpsRedis } from "./ops-connection.js";

interface ListArgs {
  machine: string;
  state: string | undefined;
  status: "active" | "ended" | undefined;
  limit: number;
  cursor: string | undefined;
  "scan-count": number | undefined;
  redis: string | undefined;
  "key-prefix": string | undefined;
  json: boolean;
}

const time = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : "-");

function renderPage(page: FlowPage, args: ListArgs): string {
  const rows = page.flows.map((f) => [f.flowId, f.state, f.status, String(f.version), `v${f.machineVersion}`, time(f.updated), String(f.queued)]);
  const header = ["FLOW", "STATE", "STATUS", "VERSION", "MACHINE", "UPDATED", "QUEUED"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const lines = [`${page.machine}: ${page.flows.length} flow(s) on this page`];
  if (rows.length > 0) lines.push(line(header), ...rows.map(line));
  if (page.cursor !== null) {
    const more = [`fsmc flows list ${page.machine}`];
    if (args.state !== undefined) more.push(`--state ${args.state}`);
    if (args.status !== undefined) more.push(`--status ${args.status}`);
    more.push(`--limit ${args.limit} --cursor ${page.cursor}`);
    lines.push(`more: ${more.join(" ")}`);
  } else lines.push("end of the list");
  return `${lines.join("\n")}\n`;
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: "list <machine>",
  describe: "List the flows of a machine (state, status, version, updated time, queue length), a page at a time by SCAN",
  builder: (yargs: Argv) =>
    yargs
      .positional("machine", { type: "string", demandOption: true, describe: "Machine name, as in the spec" })
      .option("state", { type: "string", requiresArg: true, describe: "Only flows in this state" })
      .option("status", { type: "string", choices: ["active", "ended"], requiresArg: true, describe: "Only active, or only ended, flows" })
      .option("limit", {
        type: "number",
        default: 100,
        requiresArg: true,
        describe: "Flows on one page: a page ends with the SCAN batch that reaches this many (so it may hold up to one batch more)",
      })
      .option("cursor", { type: "string", requiresArg: true, describe: "Go on from where the page before stopped (its 'more:' line, or cursor in JSON)" })
      .option("scan-count", {
        type: "number",
        requiresArg: true,
        describe: "SCAN COUNT hint (default: --limit, at most 1000); a page makes at most 100 SCAN calls",
      })
      .option("redis", redisOption)
      .option("key-prefix", keyPrefixCliOption)
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print JSON: { machine, flows, cursor (null at the end), examined }",
      }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    for (const [flag, value] of [
      ["limit", args.limit],
      ["scan-count", args["scan-count"]],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        process.stderr.write(`fsmc flows list: --${flag} must be a whole number from 1, got ${value}\n`);
        process.exitCode = 2;
        return;
      }
    }
    await withOpsRedis("list", { redis: args.redis, keyPrefix: args["key-prefix"] }, async ({ redis, keys }) => {
      let page: FlowPage;
      try {
        page = await listFlows(redis, args.machine, {
          limit: args.limit,
          ...(args["scan-count"] !== undefined ? { scanCount: args["scan-count"] } : {}),
          keyPrefix: keys.prefix,
          ...(args.state !== undefined ? { state: args.state } : {}),
          ...(args.status !== undefined ? { status: args.status } : {}),
          ...(args.cursor !== undefined ? { cursor: args.cursor } : {}),
        });
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        process.stderr.write(`fsmc flows list: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(args.json ? `${JSON.stringify(page, null, 2)}\n` : renderPage(page, args));
      process.exitCode = 0;
    });
  },
};
