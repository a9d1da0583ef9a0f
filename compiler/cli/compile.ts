// `fsmc compile`: placeholder until implemented.
import type { CommandModule } from "yargs";

export const compileCommand: CommandModule = {
  command: "compile",
  describe: "not implemented yet",
  handler: () => {
    process.stderr.write("fsmc compile: not implemented yet\n");
    process.exitCode = 1;
  },
};
