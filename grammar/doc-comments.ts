// Finds which declaration each run of `///` lines documents: the token that starts right after the run, with nothing but one line break between.
import type { IToken } from "chevrotain";

/** Offset of the first character of a documented declaration → its doc text. */
export type DocsByOffset = Map<number, string>;

function docLine(token: IToken): string {
  const body = token.image.slice(3);
  return (body.startsWith(" ") ? body.slice(1) : body).trimEnd();
}

/** True when `gap` is only spaces and tabs with exactly one line break: the next thing is on the very next line. */
function isLineBreakOnly(gap: string): boolean {
  return /^[ \t]*(?:\r\n|\n|\r)[ \t]*$/.test(gap);
}

export function collectDocs(text: string, docTokens: readonly IToken[]): DocsByOffset {
  const docs: DocsByOffset = new Map();
  let run: string[] = [];
  for (let i = 0; i < docTokens.length; i++) {
    const token = docTokens[i]!;
    run.push(docLine(token));
    const next = docTokens[i + 1];
    const runEnd = token.endOffset! + 1;
    if (next !== undefined && isLineBreakOnly(text.slice(runEnd, next.startOffset))) continue;
    // The run is over: it documents whatever starts on the next line, if nothing else sits in between.
    const following = /[ \t]*(?:\r\n|\n|\r)[ \t]*/y;
    following.lastIndex = runEnd;
    if (following.exec(text) !== null && following.lastIndex < text.length && (next === undefined || next.startOffset !== following.lastIndex)) {
      docs.set(following.lastIndex, run.join("\n"));
    }
    run = [];
  }
  return docs;
}
