// Cuts a file's tokens into one run per machine and parses each run on its own, so error recovery stays inside the machine it started in.
import { tokenMatcher, type IRecognitionException, type IToken } from "chevrotain";
import { parseMachine, type ParseContext } from "./ast-parser.js";
import type { Diagnostic, MachineAst } from "./ast.js";
import * as t from "./lexer.js";

export interface ParsedMachine {
  /** Undefined when the machine lacks its keyword, name or any real token. */
  ast: MachineAst | undefined;
  /** FSM105 and grammar-level FSM001 findings of this machine. */
  diagnostics: Diagnostic[];
  /** The tokens this machine was parsed from. */
  tokens: readonly IToken[];
  errors: IRecognitionException[];
  /** The first token after this machine's run, if another machine follows: where "end of file" errors really are. */
  next?: IToken;
}

export interface ParsedFile {
  machines: ParsedMachine[];
  /** Runs of tokens outside any machine, one array per run. */
  stray: IToken[][];
}

/** True when `tokens[i]` is a `machine` keyword that starts a new machine although the braces before it are not closed. */
function startsMachineInsideBraces(tokens: readonly IToken[], i: number, text: string): boolean {
  const tok = tokens[i]!;
  const lineStart = text.lastIndexOf("\n", tok.startOffset - 1) + 1;
  return (
    /^[ \t]*$/.test(text.slice(lineStart, tok.startOffset)) &&
    tokens[i + 1] !== undefined &&
    tokenMatcher(tokens[i + 1]!, t.Name) &&
    tokens[i + 2]?.tokenType === t.LCurly
  );
}

/**
 * Cuts the file's tokens into one run per machine and parses each run with the `machine` rule. Error recovery then
 * stays inside the machine it started in, and tokens between machines are returned as stray runs rather than parsed.
 */
export function parseFile(tokens: readonly IToken[], text: string, context: ParseContext): ParsedFile {
  /** Each machine's run as [start, end) indexes into `tokens`. */
  const runs: [number, number][] = [];
  const stray: IToken[][] = [];
  let current: [number, number] | undefined;
  let depth = 0;
  let opened = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const isMachine = tok.tokenType === t.Machine;
    if (isMachine && (current === undefined || (opened && depth === 0) || (depth > 0 && startsMachineInsideBraces(tokens, i, text)))) {
      current = [i, i];
      runs.push(current);
      depth = 0;
      opened = false;
    }
    if (current === undefined) {
      const last = stray[stray.length - 1];
      const lastEnd = last?.[last.length - 1];
      if (last !== undefined && lastEnd === tokens[i - 1]) last.push(tok);
      else stray.push([tok]);
      continue;
    }
    current[1] = i + 1;
    if (tok.tokenType === t.LCurly) {
      depth++;
      opened = true;
    } else if (tok.tokenType === t.RCurly) {
      depth--;
      if (opened && depth <= 0) current = undefined;
    }
  }
  const machines = runs.map(([start, end]): ParsedMachine => {
    const run = start === 0 && end === tokens.length ? (tokens as IToken[]) : tokens.slice(start, end);
    const { ast, diagnostics, errors } = parseMachine(run, context);
    const parsed: ParsedMachine = { ast, diagnostics, tokens: run, errors };
    const next = tokens[end];
    if (next !== undefined) parsed.next = next;
    return parsed;
  });
  return { machines, stray };
}
