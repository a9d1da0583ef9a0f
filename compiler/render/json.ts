// Renders diagnostics as one JSON document for tools: `{ diagnostics: [...], summary: {...} }`.
import type { Diagnostic, SourceRange } from "../../grammar/ast.js";

export interface JsonDiagnostic {
  file: string;
  code: string;
  severity: Diagnostic["severity"];
  message: string;
  /** Half-open: `end` is just after the last character; line and column 1-based, offset 0-based (UTF-16). */
  range: SourceRange;
}

export interface JsonReport {
  diagnostics: JsonDiagnostic[];
  summary: { files: number; errors: number; warnings: number };
}

/** Builds the JSON report of `diagnostics` (already sorted) over `fileCount` checked files. */
export function jsonReport(diagnostics: readonly Diagnostic[], fileCount: number): JsonReport {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    diagnostics: diagnostics.map((d) => ({
      file: d.file,
      code: d.code,
      severity: d.severity,
      message: d.message,
      range: {
        start: { line: d.range.start.line, column: d.range.start.column, offset: d.range.start.offset },
        end: { line: d.range.end.line, column: d.range.end.column, offset: d.range.end.offset },
      },
    })),
    summary: { files: fileCount, errors, warnings: diagnostics.length - errors },
  };
}

export function renderJson(diagnostics: readonly Diagnostic[], fileCount: number): string {
  return `${JSON.stringify(jsonReport(diagnostics, fileCount), null, 2)}\n`;
}
