// The `fsmc` command, as bin/fsmc.js runs it from dist/cli.
import { runCli } from "./main.js";

/** Runs `fsmc` on `argv` (the arguments after the program name) and resolves to the exit code. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv);
}
