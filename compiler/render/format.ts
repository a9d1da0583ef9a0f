// Diagnostics in the output format a command was asked for: text, json or sarif.
import type { Diagnostic, SourceFile } from "../../grammar/ast.js";
import { renderJson } from "./json.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

export const diagnosticFormats = ["text", "json", "sarif"] as const;
export type DiagnosticFormat = (typeof diagnosticFormats)[number];

/** What `fsmc check` and `fsmc diff` print: the same diagnostics, rendered one of three ways. */
export function renderDiagnostics(format: DiagnosticFormat, diagnostics: readonly Diagnostic[], sources: readonly SourceFile[], fileCount: number): string {
  switch (format) {
    case "json":
      return renderJson(diagnostics, fileCount);
    case "sarif":
      return renderSarif(diagnostics);
    case "text":
      return renderText(diagnostics, sources, fileCount);
  }
}
