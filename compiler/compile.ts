// `compile`: checked `.fsm` sources → the TypeScript modules of their machines, or the diagnostics that prevent it.
import type { Diagnostic, SourceFile } from "../grammar/ast.js";
import { hasErrors, sortDiagnostics } from "../grammar/diagnostics.js";
import { analyze } from "./check.js";
import { emitFiles, type EmittedFile } from "./emit/emit-files.js";
import { EmitNameError } from "./emit/names.js";
import { packageFiles, type PackageOptions } from "./emit/package-files.js";

export type { EmittedFile } from "./emit/emit-files.js";
export type { PackageOptions } from "./emit/package-files.js";

export interface CompileOptions {
  /** Also emit a publishable npm package: `.js`, `.d.ts`, package.json and README.md beside the modules. */
  package?: PackageOptions;
}

export interface CompileResult {
  /** The files to write (paths relative to the output directory); empty when there are errors. */
  files: EmittedFile[];
  diagnostics: Diagnostic[];
}

/** Code of the error reported when a checked spec still cannot be emitted (e.g. two machines map to one file name). */
export const emitErrorCode = "FSM501";

/** Checks `sources` and, when they have no errors, emits one module per machine and an `index.ts`. */
export function compile(sources: readonly SourceFile[], options: CompileOptions = {}): CompileResult {
  const { files, diagnostics } = analyze([...sources]);
  if (hasErrors(diagnostics)) return { files: [], diagnostics: sortDiagnostics(diagnostics) };
  try {
    const modules = emitFiles(files);
    const machines = files.flatMap((f) => f.machines);
    const output = options.package ? packageFiles(modules, machines, options.package) : modules;
    return { files: output, diagnostics: sortDiagnostics(diagnostics) };
  } catch (error) {
    if (!(error instanceof EmitNameError)) throw error;
    const start = { offset: 0, line: 1, column: 1 };
    const at = error.at ?? { file: sources[0]?.path ?? "", range: { start, end: start } };
    const failure: Diagnostic = { code: emitErrorCode, severity: "error", message: error.message, file: at.file, range: at.range };
    return { files: [], diagnostics: sortDiagnostics([...diagnostics, failure]) };
  }
}
