// `fsmc graph`: placeholder until implemented.
import type { CommandModule } from "yargs";

export const graphCommand: CommandModule = {
  command: "graph",
  describe: "not implemented yet",
  handler: () => {
    process.stderr.write("fsmc graph: not implemented yet\n");
    process.exitCode = 1;
  },
};
