// The yargs command line of fsmc: wires the commands, maps failed operations to exit code 1 and usage errors to 2.
import yargs, { type CommandModule } from "yargs";

import { checkCommand } from "./check.js";
import { compileCommand } from "./compile.js";
import { diffCommand } from "./diff.js";
import { graphCommand } from "./graph.js";
import { OperationError } from "./operation-error.js";
import { fsmcVersion } from "../package-version.js";
import { UsageError } from "./usage-error.js";

export { OperationError, UsageError };

/**
 * Exit codes: 0 clean; 1 diagnostics, drift, or a failed operation (a path that cannot be read or
 * written, an unreachable Redis); 2 usage error (unknown flag, missing argument, bad option value).
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Runs the CLI on `argv` and resolves to the process exit code. Command handlers report their
 * outcome through `process.exitCode`, throw `UsageError` for bad usage and `OperationError` for work
 * that failed; extra commands (the runtime's `flows`) are added by the caller.
 */
export async function runCli(argv: string[], extraCommands: CommandModule<any, any>[] = []): Promise<number> {
  const cli = yargs(argv)
    .scriptName("fsmc")
    .usage("$0 <command> [options]")
    .command(checkCommand)
    .command(compileCommand)
    .command(diffCommand)
    .command(graphCommand);
  for (const command of extraCommands) cli.command(command);
  cli
    .demandCommand(1, "Name a command: check, compile, diff, graph or flows.")
    .strict()
    .help()
    .alias("h", "help")
    .version(fsmcVersion())
    .wrap(Math.min(100, process.stdout.columns || 100))
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
