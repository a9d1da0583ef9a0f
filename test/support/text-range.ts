// Builds source ranges from text positions, so tests can place diagnostics without a parser.
import type { Position, SourceRange } from "../../grammar/ast.js";

/** The 1-based line/column position of a 0-based UTF-16 `offset` in `text`. */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { offset, line, column };
}

/** The range of the `occurrence`-th (0-based) match of `needle` in `text`; throws when there is none. */
export function rangeOf(text: string, needle: string, occurrence = 0): SourceRange {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`"${needle}" (occurrence ${occurrence}) not found`);
  }
  return { start: positionAt(text, at), end: positionAt(text, at + needle.length) };
}
