// `fsmc inspector`: a small web inspector of the flows in Redis — machines drawn with live counts per state, flows that need a look, one flow in full, and (with a token) replay, purge and force-unlock.
import { serve } from "@hono/node-server";
import { Redis } from "ioredis";
import type { Argv, CommandModule } from "yargs";

import { ConfigurationError, DEFAULT_TIMER_SHARDS, KeySpace, takeKeyPrefix } from "@fsmc/runtime/operations";

import { hasErrors, sortDiagnostics } from "../../../grammar/diagnostics.js";
import { redisAddress } from "../../redis-address.js";
import type { MachineGraph } from "../../graph/machine-graph.js";
import { chooseKeyPrefix, chooseRedis, keyPrefixCliOption, redisOption } from "../flows/ops-connection.js";
import { readSpecSources } from "../inputs.js";
import { escapeHtml } from "./escape.js";
import { inspectorApp } from "./server.js";

/** The environment variable holding the operator token when `--token` is not given. */
export const INSPECTOR_TOKEN_ENV = "FSMC_INSPECTOR_TOKEN";

interface InspectorArgs {
  redis: string | undefined;
  "key-prefix": string | undefined;
  port: number;
  host: string;
  specs: string | undefined;
  token: string | undefined;
  "timer-shards": number;
  "pending-shards": number;
}

/** The machines of the specs under `dir`, as graphs; diagnostics (errors skip their file's machines) as a note. */
async function loadMachines(dir: string): Promise<{ machines: MachineGraph[]; note: string }> {
  const [{ analyze }, { machineGraph }] = await Promise.all([import("../../check.js"), import("../../graph/machine-graph.js")]);
  const { sources, diagnostics: decodeDiagnostics } = readSpecSources([dir]);
  const analysis = analyze(sources);
  const diagnostics = sortDiagnostics([...decodeDiagnostics, ...analysis.diagnostics]);
  const machines = analysis.files.flatMap((f) => f.machines).map(machineGraph);
  const errors = diagnostics.filter((d) => d.severity === "error");
  const note = hasErrors(diagnostics)
    ? `<p class="message">The specs have ${errors.length} error(s) (run <code>fsmc check ${escapeHtml(dir)}</code>); machines that could be read are drawn.</p>`
    : "";
  return { machines, note };
}

/** The Host header values a browser sends to `host:port`; none (any) when bound to every interface. */
function hostsFor(host: string, port: number): string[] {
  if (host === "0.0.0.0" || host === "::") return [];
  const loopback = host === "127.0.0.1" || host === "localhost" || host === "::1";
  const names = loopback ? ["127.0.0.1", "localhost", "[::1]"] : [host.includes(":") ? `[${host}]` : host];
  return names.map((name) => `${name}:${port}`.toLowerCase());
}

export const inspectorCommand: CommandModule<object, InspectorArgs> = {
  command: "inspector",
  describe: "Serve a web inspector of the flows in Redis (diagrams with live counts, stuck flows, dead letters)",
  builder: (yargs: Argv) =>
    yargs
      .option("redis", redisOption)
      .option("key-prefix", keyPrefixCliOption)
      .option("port", { type: "number", default: 7070, describe: "Port to listen on (0: any free port)" })
      .option("host", { type: "string", default: "127.0.0.1", requiresArg: true, describe: "Address to listen on" })
      .option("specs", { type: "string", requiresArg: true, describe: "Directory (or file) of the .fsm specs whose machines are drawn" })
      .option("token", {
        type: "string",
        requiresArg: true,
        describe: `Token that allows replay, purge and force-unlock (default: $${INSPECTOR_TOKEN_ENV}; without one the inspector is read-only)`,
      })
      .option("timer-shards", { type: "number", default: DEFAULT_TIMER_SHARDS, describe: "Timer shards of the runtimes (their timerShards option)" })
      .option("pending-shards", { type: "number", default: 8, describe: "Shards of the pending index of the runtimes (their pendingShards option)" })
      .example("$0 inspector --redis redis://10.0.0.5:6379 --specs specs", "inspect, read-only, on http://127.0.0.1:7070")
      .epilog(
        `Operations (replay, purge, force-unlock) need the token, given as a Bearer header or in the page's form, with the page's CSRF token. The inspector binds 127.0.0.1 unless --host says otherwise.`,
      ) as unknown as Argv<InspectorArgs>,
  handler: async (args) => {
    const usage = (message: string) => {
      process.stderr.write(`fsmc inspector: ${message}\n`);
      process.exitCode = 2;
    };
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) return usage(`--port must be a port number, got ${args.port}`);
    for (const name of ["timer-shards", "pending-shards"] as const) {
      if (!Number.isInteger(args[name]) || args[name] < 1) return usage(`--${name} must be a whole number from 1, got ${args[name]}`);
    }
    const envToken = process.env[INSPECTOR_TOKEN_ENV];
    const token = args.token !== undefined ? args.token : envToken !== undefined && envToken !== "" ? envToken : undefined;
    if (token !== undefined && token.length < 8) return usage("the token must be at least 8 characters");

    const { machines, note: specNote } = args.specs !== undefined ? await loadMachines(args.specs) : { machines: [], note: "" };
    const { url, note } = chooseRedis("inspector", args.redis);
    if (note) process.stderr.write(`${note.replace("fsmc flows inspector", "fsmc inspector")}\n`);
    // Reconnects after a Redis restart: the inspector is long-lived; a request while Redis is away fails at once.
    const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    let keys: KeySpace;
    try {
      keys = new KeySpace(chooseKeyPrefix("inspector", args["key-prefix"], takeKeyPrefix(redis, "the keyPrefix parameter of the Redis URL")).keyPrefix);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      redis.disconnect();
      return usage(error.message);
    }
    let socketError: Error | undefined;
    redis.on("error", (error: Error) => (socketError = error));
    try {
      await redis.connect();
    } catch (error) {
      const detail = socketError?.message ?? (error instanceof Error ? error.message : String(error));
      process.stderr.write(`fsmc inspector: cannot reach Redis at ${redisAddress(url)} (${detail})\n`);
      redis.disconnect();
      process.exitCode = 1;
      return;
    }

    let port = args.port;
    const app = inspectorApp({
      redis,
      keys,
      machines,
      token,
      allowedHosts: () => hostsFor(args.host, port),
      timerShards: args["timer-shards"],
      pendingShards: args["pending-shards"],
      specNote,
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, port: args.port, hostname: args.host }, (info) => {
        port = info.port;
        resolve(started);
      });
      started.once("error", reject);
    }).catch((error: Error) => {
      process.stderr.write(`fsmc inspector: cannot listen on ${args.host}:${args.port} (${error.message})\n`);
      return undefined;
    });
    if (!server) {
      redis.disconnect();
      process.exitCode = 1;
      return;
    }
    const shown = args.host.includes(":") ? `[${args.host}]` : args.host;
    process.stdout.write(
      `fsmc inspector: http://${shown}:${port}/ (Redis ${redisAddress(url)}${keys.prefix ? `, key prefix ${JSON.stringify(keys.prefix)}` : ""}; ${machines.length} machine(s); ${
        token === undefined ? "read-only" : "operations allowed with the token"
      })\n`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Open keep-alive connections (a polling page) would hold the close.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await closed;
    redis.disconnect();
    process.exitCode = 0;
  },
};
