// `fsmc flows …`: placeholder until the runtime's operations commands are implemented.
import type { CommandModule } from "yargs";

export const flowsCommand: CommandModule = {
  command: "flows",
  describe: "not implemented yet",
  handler: () => {
    process.stderr.write("fsmc flows: not implemented yet\n");
    process.exitCode = 1;
  },
};
