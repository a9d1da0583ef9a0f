// The Chevrotain CST parser for the `.fsm` grammar of DSL.md, built once per process and reused.
import { CstParser, tokenMatcher, type CstNode, type IToken, type IRecognitionException } from "chevrotain";
import * as t from "./lexer.js";
import type { LineStarts } from "./line-starts.js";
import { syntaxErrorMessages } from "./messages.js";

class FsmParser extends CstParser {
  constructor(recoveryEnabled: boolean) {
    super(t.allTokens, {
      recoveryEnabled,
      // Offsets only: the AST builder turns them into lines and columns with the file's line table.
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 2,
      errorMessageProvider: syntaxErrorMessages,
    });
    this.performSelfAnalysis();
    const childKeys = [...t.allTokens.map((type) => type.name), "target", ...Object.keys(this.getGAstProductions())];
    const clash = childKeys.find((key) => key in Object.prototype);
    if (clash !== undefined) throw new Error(`CST child key '${clash}' is an Object.prototype member (see cstInvocationStateUpdate)`);
  }

  /**
   * Replaces Chevrotain 11's own (same name, same steps) to give each CST node a plain `{}` for its children instead of
   * `Object.create(null)`: V8 keeps prototype-less objects in dictionary mode, and those hundreds of thousands of hash
   * tables were the largest cost of parsing a large file. Safe because no child key (token, label or rule name) is an
   * `Object.prototype` member, which the constructor asserts.
   */
  cstInvocationStateUpdate(fullRuleName: string): void {
    const self = this as unknown as { CST_STACK: CstNode[]; setInitialNodeLocation(node: CstNode): void };
    const node: CstNode = { name: fullRuleName, children: {} };
    self.setInitialNodeLocation(node);
    self.CST_STACK.push(node);
  }

  /** The line table of the file being parsed (tokens carry offsets only). */
  lines: LineStarts | undefined;

  /** Keywords that start a member or clause: used as a name only on the same line as what precedes the name. */
  private static readonly starters = new Set([t.On, t.After, t.Entry, t.Exit, t.State, t.Initial, t.Final, t.Event, t.Context, t.Version, t.Deadline, t.Machine]);

  /**
   * A missing name at the end of a line (`on E ->` then a new `on` clause) must not swallow the next clause's
   * keyword as the name: that would turn one error into a confusing one on the following token.
   */
  private nameHere(): boolean {
    const next = this.LA(1);
    if (!FsmParser.starters.has(next.tokenType)) return true;
    const previousEnd = this.LA(0).endOffset ?? Number.NaN;
    // Before the first token there is no previous line to compare with.
    if (Number.isNaN(previousEnd) || Number.isNaN(next.startOffset) || this.lines === undefined) return true;
    return this.lines.lineIndex(next.startOffset) <= this.lines.lineIndex(previousEnd);
  }

  private readonly targetName = [{ GATE: () => this.nameHere(), ALT: () => this.CONSUME(t.Name, { LABEL: "target" }) }];
  private readonly actionName = [{ GATE: () => this.nameHere(), ALT: () => this.CONSUME(t.Name) }];

  /** The entry rule: a file is cut into one token run per machine (see `parseFile`), each parsed on its own. */
  machine = this.RULE("machine", () => {
    this.CONSUME(t.Machine);
    this.CONSUME(t.Name);
    this.CONSUME(t.LCurly);
    // Members are alternatives in place rather than a `member` sub-rule: one CST node less per member.
    this.MANY(() => this.OR(this.memberAlternatives));
    this.CONSUME(t.RCurly);
  });

  // Alternatives are built once per parser, not on every call: each closure costs an allocation per token otherwise.
  private readonly memberAlternatives = [
    { ALT: () => this.SUBRULE(this.version) },
    { ALT: () => this.SUBRULE(this.context) },
    { ALT: () => this.SUBRULE(this.event) },
    { ALT: () => this.SUBRULE(this.state) },
    { ALT: () => this.SUBRULE(this.on) },
    { ALT: () => this.SUBRULE(this.deadline) },
  ];

  version = this.RULE("version", () => {
    this.CONSUME(t.Version);
    this.CONSUME(t.NumberLiteral);
  });

  context = this.RULE("context", () => {
    this.CONSUME(t.Context);
    this.SUBRULE(this.fieldBlock);
  });

  event = this.RULE("event", () => {
    this.CONSUME(t.Event);
    this.CONSUME(t.Name);
    this.OPTION(() => this.SUBRULE(this.fieldBlock));
  });

  fieldBlock = this.RULE("fieldBlock", () => {
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.field));
    this.CONSUME(t.RCurly);
  });

  /** Fields are separated by `,` or newlines; newlines are whitespace, so the comma is simply optional. */
  field = this.RULE("field", () => {
    this.CONSUME(t.Name);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.type);
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.literal);
    });
    this.OPTION2(() => this.CONSUME(t.Comma));
  });

  private readonly baseTypeAlternatives = [
    { ALT: () => this.CONSUME(t.StringType) },
    { ALT: () => this.CONSUME(t.NumberType) },
    { ALT: () => this.CONSUME(t.IntType) },
    { ALT: () => this.CONSUME(t.BooleanType) },
    {
      ALT: () => {
        this.CONSUME(t.StringLiteral);
        this.MANY(() => {
          this.CONSUME(t.Pipe);
          this.CONSUME2(t.StringLiteral);
        });
      },
    },
  ];

  type = this.RULE("type", () => {
    this.OR(this.baseTypeAlternatives);
    this.OPTION(() => {
      this.CONSUME(t.LBracket);
      this.CONSUME(t.RBracket);
    });
    this.OPTION2(() => this.CONSUME(t.Question));
  });

  private readonly literalAlternatives = [
    { ALT: () => this.CONSUME(t.StringLiteral) },
    { ALT: () => this.CONSUME(t.NumberLiteral) },
    { ALT: () => this.CONSUME(t.True) },
    { ALT: () => this.CONSUME(t.False) },
    { ALT: () => this.SUBRULE(this.arrayLiteral) },
  ];

  literal = this.RULE("literal", () => {
    this.OR(this.literalAlternatives);
  });

  private readonly arrayItems = { SEP: t.Comma, DEF: () => this.SUBRULE(this.literal) };

  arrayLiteral = this.RULE("arrayLiteral", () => {
    this.CONSUME(t.LBracket);
    this.MANY_SEP(this.arrayItems);
    this.CONSUME(t.RBracket);
  });

  state = this.RULE("state", () => {
    this.OPTION(() => this.CONSUME(t.Initial));
    this.OPTION2(() => this.CONSUME(t.Final));
    this.CONSUME(t.State);
    this.CONSUME(t.Name);
    this.OPTION3(() => {
      this.CONSUME(t.LCurly);
      this.MANY(() => this.OR(this.stateMemberAlternatives));
      this.CONSUME(t.RCurly);
    });
  });

  private readonly stateMemberAlternatives = [
    { ALT: () => this.SUBRULE(this.entry) },
    { ALT: () => this.SUBRULE(this.exit) },
    { ALT: () => this.SUBRULE(this.on) },
    { ALT: () => this.SUBRULE(this.after) },
  ];

  entry = this.RULE("entry", () => {
    this.CONSUME(t.Entry);
    this.SUBRULE(this.actions);
  });

  exit = this.RULE("exit", () => {
    this.CONSUME(t.Exit);
    this.SUBRULE(this.actions);
  });

  /** Shared by states and the machine level; a machine-level `on` without `->` is reported by the AST builder. */
  on = this.RULE("on", () => {
    this.CONSUME(t.On);
    this.CONSUME(t.Name);
    this.SUBRULE(this.transitionTail);
  });

  after = this.RULE("after", () => {
    this.CONSUME(t.After);
    this.SUBRULE(this.duration);
    this.SUBRULE(this.transitionTail);
  });

  /** `[guard] [-> Target] [/ actions]`, the part every clause shares. */
  transitionTail = this.RULE("transitionTail", () => {
    this.OPTION(() => this.SUBRULE(this.guard));
    this.OPTION2(() => {
      this.CONSUME(t.Arrow);
      this.OR(this.targetName);
    });
    this.OPTION3(() => {
      this.CONSUME(t.Slash);
      this.SUBRULE(this.actions);
    });
  });

  deadline = this.RULE("deadline", () => {
    this.CONSUME(t.Deadline);
    this.SUBRULE(this.duration);
    this.CONSUME(t.Arrow);
    this.OR2(this.targetName);
    this.OPTION(() => {
      this.CONSUME(t.Slash);
      this.SUBRULE(this.actions);
    });
  });

  /** A bare number is accepted here so `after 30` gets FSM105 "missing unit" rather than a syntax error. */
  private readonly durationAlternatives = [{ ALT: () => this.CONSUME(t.Duration) }, { ALT: () => this.CONSUME(t.NumberLiteral) }];

  duration = this.RULE("duration", () => {
    this.OR(this.durationAlternatives);
  });

  /** `[else]` is parsed as a one-name expression; the AST builder recognises the `else` keyword there. */
  guard = this.RULE("guard", () => {
    this.CONSUME(t.LBracket);
    this.SUBRULE(this.orExpr);
    this.CONSUME(t.RBracket);
  });

  orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(t.OrOr);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(t.AndAnd);
      this.SUBRULE2(this.unary);
    });
  });

  private readonly unaryAlternatives = [
    {
      ALT: () => {
        this.CONSUME(t.Bang);
        this.SUBRULE(this.unary);
      },
    },
    { ALT: () => this.CONSUME(t.Name) },
    {
      ALT: () => {
        this.CONSUME(t.LParen);
        this.SUBRULE(this.orExpr);
        this.CONSUME(t.RParen);
      },
    },
  ];

  unary = this.RULE("unary", () => {
    this.OR(this.unaryAlternatives);
  });

  private readonly actionNames = { SEP: t.Comma, DEF: () => this.OR(this.actionName) };

  actions = this.RULE("actions", () => {
    this.AT_LEAST_ONE_SEP(this.actionNames);
  });
}

let shared: FsmParser | undefined;
/**
 * Chevrotain recovers from an error inside a repetition by recursing, so thousands of errors in one machine can
 * exhaust the stack. Such a machine is parsed again without recovery: its first error is still reported exactly.
 */
let withoutRecovery: FsmParser | undefined;

function parseMachine(run: IToken[], lines: LineStarts): { cst: CstNode; errors: IRecognitionException[] } {
  shared ??= new FsmParser(true);
  try {
    shared.lines = lines;
    shared.input = run;
    const cst = shared.machine();
    return { cst, errors: [...shared.errors] };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    withoutRecovery ??= new FsmParser(false);
    withoutRecovery.lines = lines;
    withoutRecovery.input = run;
    // Without recovery a failed parse yields no tree: the machine is then left out of the AST.
    const cst = (withoutRecovery.machine() as CstNode | undefined) ?? { name: "machine", children: {} };
    return { cst, errors: [...withoutRecovery.errors] };
  }
}

export interface ParsedMachine {
  cst: CstNode;
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
    tokens[i + 1] !== undefined && tokenMatcher(tokens[i + 1]!, t.Name) &&
    tokens[i + 2]?.tokenType === t.LCurly
  );
}

/**
 * Cuts the file's tokens into one run per machine and parses each run with the `machine` rule. Error recovery then
 * stays inside the machine it started in, and tokens between machines are returned as stray runs rather than parsed.
 */
export function parseFile(tokens: readonly IToken[], text: string, lines: LineStarts): ParsedFile {
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
    const { cst, errors } = parseMachine(run, lines);
    const parsed: ParsedMachine = { cst, tokens: run, errors };
    const next = tokens[end];
    if (next !== undefined) parsed.next = next;
    return parsed;
  });
  return { machines, stray };
}
