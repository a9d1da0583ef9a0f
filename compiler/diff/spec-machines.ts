// The machines of one side of a diff read from specs: each parsed, checked, and built into the definition the emitter would export.
import type { Diagnostic, SourceFile } from "../../grammar/ast.js";
import { analyze } from "../check.js";
import { definitionData } from "../emit/definition-data.js";
import { definitionView } from "./definition-view.js";
import type { DiffMachine } from "./machine-pair.js";

export interface SpecMachines {
  machines: Required<DiffMachine>[];
  /** The check errors of the specs; when there are any, `machines` is empty: a definition is only built from a spec that checks. */
  errors: Diagnostic[];
}

export function specMachines(sources: readonly SourceFile[]): SpecMachines {
  const { files, diagnostics } = analyze([...sources]);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return { machines: [], errors };
  const machines = files.flatMap((file) => file.machines).map((ast) => ({ definition: definitionView(definitionData(ast)), ast }));
  return { machines, errors: [] };
}
