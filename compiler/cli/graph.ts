// `fsmc graph`: draws a machine of a spec as a Mermaid state diagram or a Graphviz digraph.
import type { Argv, CommandModule } from "yargs";

import { hasErrors, sortDiagnostics } from "../../grammar/diagnostics.js";
import { renderText } from "../render/text.js";
import { readSpecSources } from "./inputs.js";
import { OperationError } from "./operation-error.js";
import { UsageError } from "./usage-error.js";

export const graphFormats = ["mermaid", "dot"] as const;
export type GraphFormat = (typeof graphFormats)[number];

interface GraphArgs {
  file: string;
  machine?: string;
  format: GraphFormat;
}

const epilog = `Draws states (initial marker, final states), transitions labelled "event [guard] / actions",
timers ("after 30s", dashed in dot) and the deadline ("deadline 2h", red in dot) from any
non-final state. Internal transitions are shown as notes (mermaid) or dotted loops (dot).

Exit status: 0 drawn; 1 the spec has errors, cannot be read, or has no machine;
2 usage error (unknown option, --machine missing or naming no machine of the file).`;

export const graphCommand: CommandModule<object, GraphArgs> = {
  command: "graph <file>",
  describe: "Draw a machine as a Mermaid or Graphviz (dot) diagram",
  builder: (yargs: Argv) =>
    yargs
      .positional("file", { describe: "the .fsm spec", type: "string", demandOption: true })
      .option("machine", { alias: "m", describe: "the machine to draw (needed when the file has several)", type: "string", requiresArg: true })
      .option("format", { alias: "f", describe: "diagram language", choices: graphFormats, default: "mermaid" as GraphFormat })
      .example("$0 graph specs/inbound-ivr.fsm", "print a Mermaid stateDiagram-v2")
      .example("$0 graph specs/inbound-ivr.fsm --format dot | dot -Tsvg > ivr.svg", "render with Graphviz")
      .epilog(epilog) as unknown as Argv<GraphArgs>,
  handler: async (args) => {
    // Loaded on use: the parser and the renderers are not needed by the other commands.
    const [{ analyze }, { renderDot }, { renderMermaid }] = await Promise.all([
      import("../check.js"),
      import("../graph/dot.js"),
      import("../graph/mermaid.js"),
    ]);
    const { sources, files, diagnostics: decodeDiagnostics } = readSpecSources([args.file]);
    const analysis = hasErrors(decodeDiagnostics) ? { files: [], diagnostics: [] } : analyze(sources);
    const diagnostics = sortDiagnostics([...decodeDiagnostics, ...analysis.diagnostics]);
    if (hasErrors(diagnostics)) {
      process.stdout.write(renderText(diagnostics, sources, files.length));
      process.exitCode = 1;
      return;
    }
    const machines = analysis.files.flatMap((f) => f.machines);
    const names = machines.map((m) => m.name.text).join(", ");
    if (machines.length === 0) throw new OperationError(`nothing to draw: no machine in ${args.file}`);
    let machine = machines[0];
    if (args.machine !== undefined) {
      machine = machines.find((m) => m.name.text === args.machine);
      if (!machine) throw new UsageError(`no machine ${JSON.stringify(args.machine)} in ${args.file}; it has: ${names}`);
    } else if (machines.length > 1) {
      throw new UsageError(`${args.file} has ${machines.length} machines (${names}): choose one with --machine`);
    }
    if (!machine) throw new OperationError(`nothing to draw: no machine in ${args.file}`);
    process.stdout.write(args.format === "dot" ? renderDot(machine) : renderMermaid(machine));
    process.exitCode = 0;
  },
};
