// The `fsmc` command: the compiler's commands and the operations commands on live flows.
import type { CommandModule } from "yargs";

import { runCli } from "./main.js";

/** What `fsmc --help` lists for `flows` when another command runs: its commands load the runtime's client code. */
const flowsSummary: CommandModule = {
  command: "flows <command>",
  describe: "Operate on running flows in Redis (inspect, unlock, stuck, migrate)",
  handler: () => {},
};

/** Runs `fsmc` on `argv` (the arguments after the program name) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The first argument that is not an option names the command.
  const command = argv.find((arg) => !arg.startsWith("-"));
  const flows = command === "flows" ? (await import("./flows/flows.js")).flowsCommand : flowsSummary;
  return runCli(argv, [flows]);
}
