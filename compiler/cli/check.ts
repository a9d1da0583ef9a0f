// `fsmc check`: placeholder until implemented.
import type { CommandModule } from "yargs";

export const checkCommand: CommandModule = {
  command: "check",
  describe: "not implemented yet",
  handler: () => {
    process.stderr.write("fsmc check: not implemented yet\n");
    process.exitCode = 1;
  },
};
