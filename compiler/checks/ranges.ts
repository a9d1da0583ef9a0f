// Source-range arithmetic and position text shared by the check messages.
import type { Position, SourceRange } from "../../grammar/ast.js";

/** `line:column` of a range's start, as messages cite earlier declarations. */
export function positionText(range: SourceRange): string {
  return `${range.start.line}:${range.start.column}`;
}

/**
 * The range of a keyword that starts `range` (clauses, `exit` lists and deadlines start with
 * their keyword): diagnostics point at the keyword, not at the whole clause.
 */
export function keywordRange(range: SourceRange, keyword: string): SourceRange {
  const start: Position = range.start;
  const end: Position = { offset: start.offset + keyword.length, line: start.line, column: start.column + keyword.length };
  return { start, end };
}
