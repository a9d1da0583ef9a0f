// Line and column of an offset from a table of line starts, so the lexer and parser need only track offsets.

/**
 * Offsets where lines start, with the lexer's notion of a line break (`\n`, `\r\n`, a lone `\r`).
 * Lookups remember the last line found: the parser asks in source order, so most lookups are one comparison.
 */
export class LineStarts {
  private readonly starts: number[] = [0];
  private last = 0;

  constructor(text: string) {
    const starts = this.starts;
    // indexOf jumps to the next candidate natively: far faster than testing every character in a loop.
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    while (lf !== -1 || cr !== -1) {
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        if (cr + 1 === lf) {
          starts.push(lf + 1);
          lf = text.indexOf("\n", lf + 1);
        } else {
          starts.push(cr + 1);
        }
        cr = text.indexOf("\r", cr + 1);
      } else {
        starts.push(lf + 1);
        lf = text.indexOf("\n", lf + 1);
      }
    }
  }

  /** 0-based index of the line holding `offset`. */
  lineIndex(offset: number): number {
    const starts = this.starts;
    let i = this.last;
    if (starts[i]! <= offset) {
      const next = starts[i + 1];
      if (next === undefined || offset < next) return i;
      const afterNext = starts[i + 2];
      if (afterNext === undefined || offset < afterNext) return (this.last = i + 1);
    }
    let low = 0;
    let high = starts.length;
    // The last start at or before `offset`.
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle;
    }
    i = low;
    this.last = i;
    return i;
  }

  /** Line (1-based) and column (1-based) of `offset`. */
  position(offset: number): { offset: number; line: number; column: number } {
    const i = this.lineIndex(offset);
    return { offset, line: i + 1, column: offset - this.starts[i]! + 1 };
  }

  /**
   * The range from `first` to just after `last` (both offsets of characters in it). The end stays on the line of `last`
   * even when a line break follows. One table lookup when both are on one line, as nearly every token is.
   */
  span(first: number, last: number): { start: { offset: number; line: number; column: number }; end: { offset: number; line: number; column: number } } {
    const i = this.lineIndex(first);
    const start = { offset: first, line: i + 1, column: first - this.starts[i]! + 1 };
    const next = this.starts[i + 1];
    const j = next === undefined || last < next ? i : this.lineIndex(last);
    return { start, end: { offset: last + 1, line: j + 1, column: last - this.starts[j]! + 2 } };
  }
}
