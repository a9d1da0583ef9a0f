// Generated-name checks: no two machines share a module file, and no generated export is declared twice or re-exported ambiguously (FSM501).
import type { Diagnostic, MachineAst, Name } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { describedExports, indexModulePath, machineFileName, runtimeTypes, type ExportedName } from "../module-names.js";
import { positionText } from "./ranges.js";

const importedRuntimeTypes: ReadonlySet<string> = new Set(runtimeTypes);

/** Where `name` was declared, as a message cites it from a diagnostic in `fromFile`. */
function citedAt(name: Name, file: string, fromFile: string): string {
  return file === fromFile ? positionText(name.range) : `${file}:${positionText(name.range)}`;
}

interface Exporter {
  exported: ExportedName;
  machine: MachineAst;
}

/**
 * FSM501 over all machines compiled together, in their order: each machine's module is the kebab-case of
 * its name (`Abc` and `ABC` are both `abc.ts`), and `index.ts` re-exports every module, so an export name
 * two modules share would be ambiguous there. Each clash is reported at the later of the two names, citing
 * the earlier. A machine name declared twice is FSM101's, and is left out here.
 */
export function checkGeneratedNames(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  const machineNamesSeen = new Set<string>();
  const fileOwners = new Map<string, MachineAst>();
  const exporters = new Map<string, Exporter>();
  for (const machine of machines) {
    if (machineNamesSeen.has(machine.name.text)) continue;
    machineNamesSeen.add(machine.name.text);
    const file = machineFileName(machine.name.text);
    const owner = fileOwners.get(file);
    if (file === indexModulePath) {
      found.push(
        diagnostic(
          "FSM501",
          machine.file,
          machine.name.range,
          `machine '${machine.name.text}' would be written to ${file}, the generated module that re-exports every machine; rename the machine`,
        ),
      );
    } else if (owner !== undefined) {
      found.push(
        diagnostic(
          "FSM501",
          machine.file,
          machine.name.range,
          `machine '${machine.name.text}' would be written to ${file}, the module of machine '${owner.name.text}' (declared at ${citedAt(owner.name, owner.file, machine.file)}): module files are named in lower kebab-case, so rename one of the machines`,
        ),
      );
    } else {
      fileOwners.set(file, machine);
    }
    for (const exported of describedExports(machine)) {
      if (importedRuntimeTypes.has(exported.text)) {
        found.push(
          diagnostic(
            "FSM501",
            machine.file,
            exported.origin.range,
            `machine '${machine.name.text}' would declare ${exported.text}, ${exported.what}, which is also the runtime type its module imports from @fsmc/runtime; rename the ${exported.origin === machine.name ? "machine" : "event"}`,
          ),
        );
        continue;
      }
      const earlier = exporters.get(exported.text);
      if (earlier === undefined) {
        exporters.set(exported.text, { exported, machine });
        continue;
      }
      found.push(
        diagnostic(
          "FSM501",
          machine.file,
          exported.origin.range,
          `machine '${machine.name.text}' would export ${exported.text}, ${exported.what}, which machine '${earlier.machine.name.text}' already exports as ${earlier.exported.what} (declared at ${citedAt(earlier.exported.origin, earlier.machine.file, machine.file)}); ${indexModulePath} re-exports every machine, so rename a machine or an event`,
        ),
      );
    }
  }
  return found;
}
