// The yargs command line of fsmc: wires the commands, maps failed operations to exit code 1 and usage errors to 2.
import yargs, { type CommandModule } from "yargs";

import { OperationError } from "./operation-error.js";
import { fsmcVersion } from "../package-version.js";
import { UsageError } from "./usage-error.js";

export { OperationError, UsageError };

/**
 * Exit codes: 0 clean; 1 diagnostics, drift, or a failed operation (a path that cannot be read or
 * written, an unreachable Redis); 2 usage error (unknown flag, missing argument, bad option value).
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** A command of fsmc: its line in `fsmc --help`, and the module that defines its options and runs it. */
interface CommandEntry {
  command: string;
  describe: string;
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own argument types; yargs takes any module
  load: () => Promise<CommandModule<any, any>>;
}

/** Every command; `test/compiler/cli-commands.test.ts` holds each summary to its module's own. */
export const commands: Readonly<Record<string, CommandEntry>> = {
  check: { command: "check <paths..>", describe: "Check .fsm specs and report diagnostics", load: async () => (await import("./check.js")).checkCommand },
  compile: {
    command: "compile <paths..>",
    describe: "Compile .fsm specs to typed TypeScript machines",
    load: async () => (await import("./compile.js")).compileCommand,
  },
  diff: {
    command: "diff [old] [new]",
    describe: "Report what deploying new specs does to flows running the old version",
    load: async () => (await import("./diff.js")).diffCommand,
  },
  graph: {
    command: "graph <file>",
    describe: "Draw a machine as a Mermaid or Graphviz (dot) diagram",
    load: async () => (await import("./graph.js")).graphCommand,
  },
  flows: {
    command: "flows <command>",
    describe: "Operate on running flows in Redis (inspect, unlock, stuck, migrate, list, dlq)",
    load: async () => (await import("./flows/flows.js")).flowsCommand,
  },
  inspector: {
    command: "inspector",
    describe: "Serve a web inspector of the flows in Redis (diagrams with live counts, stuck flows, dead letters)",
    load: async () => (await import("./inspector/inspector.js")).inspectorCommand,
  },
};

/**
 * Runs the CLI on `argv` and resolves to the process exit code. Command handlers report their
 * outcome through `process.exitCode`, throw `UsageError` for bad usage and `OperationError` for work
 * that failed. Only the named command's module is loaded (its options, its handler, what they import);
 * the others are listed for `--help` by their summary line.
 */
export async function runCli(argv: string[]): Promise<number> {
  // The first argument that is a command's name names the command (options may come before it).
  const named = commands[argv.find((arg) => Object.hasOwn(commands, arg)) ?? ""];
  const cli = yargs(argv).scriptName("fsmc").usage("$0 <command> [options]");
  for (const entry of Object.values(commands)) {
    if (entry === named) {
      cli.command(await entry.load());
    } else {
      cli.command({ command: entry.command, describe: entry.describe, handler: () => {} });
    }
  }
  cli
    .demandCommand(1, "Name a command: check, compile, diff, graph, flows or inspector.")
    .strict()
    .help()
    .alias("h", "help")
    .version(fsmcVersion())
    // yargs lays the help of the running command out before every run; wrapping it costs a cold start tens of
    // milliseconds, so it is wrapped only when it is asked for.
    .wrap(argv.includes("--help") || argv.includes("-h") ? Math.min(100, process.stdout.columns || 100) : null)
    .fail((message, error) => {
      // yargs calls this for its own usage errors (a message, or a YError such as "Not enough arguments
      // following: previous") and for errors thrown by handlers, which keep their own meaning.
      if (error && !(error instanceof UsageError) && error.name !== "YError") throw error;
      throw new UsageError(message ?? error?.message ?? "usage error");
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`fsmc: ${error.message}\nRun 'fsmc --help' for usage.\n`);
      return ExitCode.usage;
    }
    if (error instanceof OperationError) {
      process.stderr.write(`fsmc: ${error.message}\n`);
      return ExitCode.failed;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fsmc: internal error: ${message}\n`);
    return ExitCode.failed;
  }
  // Command handlers report their outcome through process.exitCode.
  return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
}
