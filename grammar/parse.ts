// Parses one `.fsm` source into its AST: lex, parse with error recovery, build; every problem becomes a diagnostic, nothing throws.
import type { ILexingError, IToken } from "chevrotain";
import { tokenRange } from "./ast-parser.js";
import type { Diagnostic, FileAst, MachineAst, Position, SourceFile, SourceRange } from "./ast.js";
import { diagnostic, sortDiagnostics } from "./diagnostics.js";
import { collectDocs } from "./doc-comments.js";
import { Bang, docGroup, errorGroup, fsmLexer, LBracket, LCurly, LParen, RBracket, RCurly, RParen, StringLiteral, UnterminatedComment } from "./lexer.js";
import { LineStarts } from "./line-starts.js";
import { parseFile, type ParsedMachine } from "./machine-runs.js";
import { describeToken, fillAfter } from "./messages.js";

/** Deeper nesting than this is refused up front, so a hostile input cannot exhaust the recursive-descent parser's stack. */
export const maxNesting = 100;

export interface ParseResult {
  ast: FileAst;
  diagnostics: Diagnostic[];
}

function pointRange(position: Position, length = 1): SourceRange {
  return { start: position, end: { ...position, offset: position.offset + length, column: position.column + length } };
}

function describeCharacters(run: string): string {
  const shown = [...run].map((c) => (/^[\x21-\x7E]$/.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`));
  if (shown.length === 1) return shown[0]!.startsWith("U+") ? `unexpected character ${shown[0]}` : `unexpected character '${shown[0]}'`;
  return `unexpected characters '${shown.join("")}'`;
}

function lexingDiagnostics(path: string, text: string, lines: LineStarts, errors: readonly ILexingError[]): Diagnostic[] {
  return errors.map((error) => {
    const start: Position = lines.position(error.offset);
    return diagnostic("FSM001", path, pointRange(start, error.length), describeCharacters(text.slice(error.offset, error.offset + error.length)));
  });
}

/** Unterminated comments and strings, and strings that are not valid JSON strings. */
function brokenTokenDiagnostics(path: string, lines: LineStarts, broken: readonly IToken[]): Diagnostic[] {
  return broken.map((tok) => {
    const range = tokenRange(tok, lines);
    if (tok.tokenType === UnterminatedComment) {
      return diagnostic("FSM001", path, pointRange(range.start, 2), "unterminated comment: '/*' has no closing '*/'");
    }
    const terminated = tok.image.length > 1 && tok.image.endsWith('"') && !/(?:^|[^\\])(?:\\\\)*\\"$/.test(tok.image);
    if (!terminated) return diagnostic("FSM001", path, pointRange(range.start, 1), "unterminated string: '\"' has no closing '\"' on the same line");
    const badEscape = /\\(?!["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(tok.image);
    const message = badEscape
      ? `invalid escape '${tok.image.slice(badEscape.index, badEscape.index + 2)}' in string (valid: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`
      : "control character in string: write it as an escape such as \\t or \\u0000";
    return diagnostic("FSM001", path, range, message);
  });
}

/** A UTF-16 surrogate with no partner: what a lone `\uD800`-style escape leaves, and no UTF-8 text (or JSON canonical form) can hold. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Strings whose escapes leave half a surrogate pair: they could be neither stored nor hashed as written. */
function malformedStringDiagnostics(path: string, lines: LineStarts, tokens: readonly IToken[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const tok of tokens) {
    if (tok.tokenType !== StringLiteral || !tok.image.includes("\\u")) continue;
    if (loneSurrogate.test(JSON.parse(tok.image) as string)) {
      found.push(
        diagnostic(
          "FSM001",
          path,
          tokenRange(tok, lines),
          "string is not well-formed Unicode: a \\uD800-\\uDFFF escape must be one half of a surrogate pair (write the character itself, or both halves)",
        ),
      );
    }
  }
  return found;
}

const openers = new Map([
  [LParen, RParen],
  [LBracket, RBracket],
  [LCurly, RCurly],
]);
const closers = new Set([RParen, RBracket, RCurly]);

/** The common case, checked without copying: no bracket depth plus `!` run ever exceeds `maxNesting`. */
function withinNesting(tokens: readonly IToken[]): boolean {
  let depth = 0;
  let bangs = 0;
  for (const tok of tokens) {
    const type = tok.tokenType;
    if (type === LParen || type === LBracket || type === LCurly) {
      depth++;
      if (type !== LParen) bangs = 0;
    } else if (type === RParen || type === RBracket || type === RCurly) {
      depth = Math.max(0, depth - 1);
      if (type !== RParen) bangs = 0;
    } else if (type === Bang) {
      bangs++;
    } else {
      continue;
    }
    if (depth + bangs > maxNesting) return false;
  }
  return true;
}

/**
 * Removes every bracketed run nested deeper than `maxNesting`, and every `!` past `maxNesting` in one guard,
 * reporting each once; returns the offsets where cuts ended. `!` counts as nesting because each one is a level of the guard tree.
 */
function limitNesting(path: string, lines: LineStarts, tokens: IToken[], diagnostics: Diagnostic[]): { kept: IToken[]; cutEnds: Set<number> } {
  if (withinNesting(tokens)) return { kept: tokens, cutEnds: new Set() };
  const kept: IToken[] = [];
  const cutEnds = new Set<number>();
  let depth = 0;
  let cutDepth = -1;
  let bangs = 0;
  let bangsReported = false;
  for (const tok of tokens) {
    const opens = openers.has(tok.tokenType);
    const closes = closers.has(tok.tokenType);
    if (opens) depth++;
    if (tok.tokenType === LBracket || tok.tokenType === RBracket || tok.tokenType === LCurly || tok.tokenType === RCurly) {
      bangs = 0;
      bangsReported = false;
    }
    if (cutDepth < 0 && opens && depth + bangs > maxNesting) {
      cutDepth = depth;
      diagnostics.push(
        diagnostic("FSM001", path, tokenRange(tok, lines), `nesting is too deep: more than ${maxNesting} levels of brackets, parentheses, braces or '!'`),
      );
    }
    if (tok.tokenType === Bang && cutDepth < 0) {
      bangs++;
      if (depth + bangs > maxNesting) {
        if (!bangsReported) {
          diagnostics.push(
            diagnostic("FSM001", path, tokenRange(tok, lines), `guard is nested too deeply: more than ${maxNesting} levels of '!' and parentheses`),
          );
          bangsReported = true;
        }
        continue;
      }
    }
    if (cutDepth < 0) kept.push(tok);
    if (closes) {
      if (depth === cutDepth) {
        cutDepth = -1;
        cutEnds.add(tok.endOffset! + 1);
      }
      depth = Math.max(0, depth - 1);
    }
  }
  return { kept, cutEnds };
}

/** The last token of `tokens` (sorted by offset) that starts before `offset`. */
function tokenBefore(tokens: readonly IToken[], offset: number): IToken | undefined {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (tokens[middle]!.startOffset < offset) low = middle + 1;
    else high = middle;
  }
  return tokens[low - 1];
}

/** Index of the first element of the sorted `values` that is at least `value`. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Syntax errors, one per offending token. An error is left out when a problem already reported (a lexical error,
 * a cut of over-deep nesting) lies between it and the token before it: it is only the echo of that problem.
 */
function parserDiagnostics(
  path: string,
  text: string,
  lines: LineStarts,
  machines: readonly ParsedMachine[],
  reportedOffsets: readonly number[],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<number>();
  for (const machine of machines) {
    for (const error of machine.errors) {
      // Input left over after a machine that already had an error is that error's echo, not a new problem.
      if (error.name === "NotAllInputParsedException" && machine.errors.length > 1) continue;
      const tok = error.token;
      const atEnd = Number.isNaN(tok.startOffset) || tok.image === "";
      let range = atEnd ? pointRange(lines.position(text.length), 0) : tokenRange(tok, lines);
      let message = error.message;
      if (atEnd && machine.next !== undefined) {
        // The machine's run was cut before the next machine: that, not the end of the file, is what was found.
        range = tokenRange(machine.next, lines);
        message = message.replace(/found end of file$/, `found ${describeToken(machine.next)}`);
      }
      if (reported.has(range.start.offset)) continue;
      reported.add(range.start.offset);
      const previous = tokenBefore(machine.tokens, atEnd ? Number.POSITIVE_INFINITY : tok.startOffset);
      message = fillAfter(message, previous);
      const gapStart = previous !== undefined ? previous.endOffset! + 1 : 0;
      const firstAfterGap = reportedOffsets[lowerBound(reportedOffsets, gapStart)];
      if (firstAfterGap !== undefined && firstAfterGap <= range.start.offset) continue;
      diagnostics.push(diagnostic("FSM001", path, range, message));
    }
  }
  return diagnostics;
}

/** Tokens outside any machine: one report per run. */
function strayDiagnostics(path: string, lines: LineStarts, stray: readonly IToken[][]): Diagnostic[] {
  return stray.flatMap((run) => {
    const first = run[0];
    return first ? [diagnostic("FSM001", path, tokenRange(first, lines), `expected 'machine', found ${describeToken(first)}`)] : [];
  });
}

function parseUnguarded(source: SourceFile): ParseResult {
  const { path, text } = source;
  const lexed = fsmLexer.tokenize(text);
  const lines = new LineStarts(text);
  const diagnostics: Diagnostic[] = [
    ...lexingDiagnostics(path, text, lines, lexed.errors),
    ...brokenTokenDiagnostics(path, lines, (lexed.groups[errorGroup] ?? []) as IToken[]),
    ...malformedStringDiagnostics(path, lines, lexed.tokens),
  ];
  const { kept, cutEnds } = limitNesting(path, lines, lexed.tokens, diagnostics);
  const docs = collectDocs(text, (lexed.groups[docGroup] ?? []) as IToken[]);
  const parsed = parseFile(kept, text, { path, lines, docs });
  const echoed = [...diagnostics.map((d) => d.range.start.offset), ...[...cutEnds].map((end) => end - 1)].sort((a, b) => a - b);
  diagnostics.push(...parserDiagnostics(path, text, lines, parsed.machines, echoed));
  diagnostics.push(...strayDiagnostics(path, lines, parsed.stray));
  const machines: MachineAst[] = [];
  for (const machine of parsed.machines) {
    if (machine.ast !== undefined) machines.push(machine.ast);
    for (const d of machine.diagnostics) diagnostics.push(d);
  }
  return { ast: { path, machines }, diagnostics: sortDiagnostics(diagnostics) };
}

/** Parses `source`; never throws: an internal failure is reported as FSM001 at 1:1 with an empty AST. */
export function parseSource(source: SourceFile): ParseResult {
  try {
    return parseUnguarded(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const start = { offset: 0, line: 1, column: 1 };
    return {
      ast: { path: source.path, machines: [] },
      diagnostics: [
        diagnostic("FSM001", source.path, pointRange(start, 0), `the parser failed on this file (${reason}); please report it with the file attached`),
      ],
    };
  }
}
