// Composes the `fsmc` command line from the compiler's commands and the runtime's operations commands.
import { runCli } from "../compiler/cli/main.js";
import { flowsCommand } from "../runtime/cli/flows.js";

process.exitCode = await runCli(process.argv.slice(2), [flowsCommand]);
