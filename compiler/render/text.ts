// Renders diagnostics as compiler-style text: a `path:line:col` header, the source line and a caret under the range.
import type { Diagnostic, SourceFile } from "../../grammar/ast.js";

/** Lines longer than this are shown as a window around the diagnostic, so a huge line cannot flood the terminal. */
const maxShownLineLength = 200;
const lineBreak = /[\r\n]/g;
/** How many characters before the diagnostic a window keeps. */
const windowLead = 60;

/**
 * Renders `diagnostics` (already sorted) with a source excerpt for each, followed by a summary line
 * (`2 errors, 1 warning in 3 files`, or `no problems in 3 files`; `fileCount` defaults to the number of
 * sources). `sources` supplies the text of every
 * file a diagnostic can name; a diagnostic whose file is missing from it gets the header line only.
 */
export function renderText(diagnostics: readonly Diagnostic[], sources: readonly SourceFile[], fileCount = sources.length): string {
  const textByPath = new Map(sources.map((source) => [source.path, source.text]));
  const out: string[] = [];
  for (const d of diagnostics) {
    out.push(`${d.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity} ${d.code}: ${d.message}`);
    const text = textByPath.get(d.file);
    if (text !== undefined) out.push(...excerpt(text, d));
  }
  out.push(summaryLine(diagnostics, fileCount));
  return `${out.join("\n")}\n`;
}

/** `2 errors, 1 warning in 3 files`; `no problems in 1 file` when clean. */
export function summaryLine(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const files = plural(fileCount, "file");
  if (diagnostics.length === 0) return `no problems in ${files}`;
  const parts: string[] = [];
  if (errors > 0) parts.push(plural(errors, "error"));
  if (warnings > 0) parts.push(plural(warnings, "warning"));
  return `${parts.join(", ")} in ${files}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The source line of the range's start and a caret line under the part of the range on that line. */
function excerpt(text: string, d: Diagnostic): string[] {
  // Offsets are authoritative; clamp them so a range past the end of the file still renders.
  const start = clamp(d.range.start.offset, 0, text.length);
  const end = clamp(d.range.end.offset, start, text.length);
  // Lines end at \n, \r\n or a lone \r, as the parser counts them.
  const lineStart = start === 0 ? 0 : Math.max(text.lastIndexOf("\n", start - 1), text.lastIndexOf("\r", start - 1)) + 1;
  lineBreak.lastIndex = start;
  const lineEnd = lineBreak.exec(text)?.index ?? text.length;

  let from = lineStart;
  let to = lineEnd;
  if (lineEnd - lineStart > maxShownLineLength) {
    from = Math.max(lineStart, Math.min(start, lineEnd) - windowLead);
    to = Math.min(lineEnd, from + maxShownLineLength);
  }
  const caretStart = Math.min(start, to);
  const caretEnd = Math.max(caretStart + 1, Math.min(end, to));

  const prefix = from > lineStart ? "..." : "";
  const suffix = to < lineEnd ? "..." : "";
  const shown = printable(text.slice(from, to));
  // Tabs stay tabs in the padding so the caret sits under the same column as the text above it.
  const padding = Array.from(text.slice(from, caretStart), (ch) => (ch === "\t" ? "\t" : " ")).join("");
  const underlineLength = Array.from(text.slice(caretStart, caretEnd)).length;
  const underline = `^${"~".repeat(Math.max(0, underlineLength - 1))}`;
  return [prefix + shown + suffix, " ".repeat(prefix.length) + padding + underline];
}

/** Replaces control characters (except tab) so raw bytes of a broken file cannot drive the terminal. */
function printable(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\ufffd");
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
