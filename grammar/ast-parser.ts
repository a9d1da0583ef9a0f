// The Chevrotain parser for the `.fsm` grammar (docs/language.md), building the AST of ast.ts directly (no CST), built once per process and reused.
import { EmbeddedActionsParser, tokenMatcher, type IRecognitionException, type IToken } from "chevrotain";
import type {
  ActionListAst,
  BaseType,
  ClauseAst,
  DeadlineAst,
  Diagnostic,
  DurationAst,
  EventAst,
  FieldAst,
  GuardAst,
  GuardExprAst,
  LiteralAst,
  MachineAst,
  MigrationAst,
  Name,
  SourceRange,
  StateAst,
  StateMappingAst,
  TypeAst,
} from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import type { DocsByOffset } from "./doc-comments.js";
import * as t from "./lexer.js";
import { LineStarts } from "./line-starts.js";
import { syntaxErrorMessages } from "./messages.js";
import { readDuration } from "./read-duration.js";

/**
 * What one rule invocation has built so far. Error recovery can abandon a rule anywhere, so every rule fills a frame as
 * it goes and turns it into AST when it is left, normally or not: a partial frame still yields every node whose
 * required parts were read, exactly as much as the parts written allow.
 */
interface Frame {
  /** Offsets of the first and last real token read in this rule or its sub-rules; NaN until one is read. */
  start: number;
  end: number;
  parent: Frame;
}

interface RootFrame extends Frame {
  kind: "root";
  machine: MachineAst | undefined;
  diagnostics: Diagnostic[];
}
interface MachineFrame extends Frame {
  kind: "machine";
  keyword: IToken | undefined;
  name: IToken | undefined;
  versions: IToken[];
  context: FieldAst[];
  events: EventAst[];
  states: StateAst[];
  anyOns: ClauseAst[];
  deadlines: DeadlineAst[];
  migrations: MigrationAst[];
  /** Found while building members; reported only if the machine itself is kept. */
  diagnostics: Diagnostic[];
}
interface VersionFrame extends Frame {
  kind: "version";
  value: IToken | undefined;
}
interface MigrationFrame extends Frame {
  kind: "migration";
  version: IToken | undefined;
  states: StateMappingAst[];
}
interface StateMappingFrame extends Frame {
  kind: "stateMapping";
  old: IToken | undefined;
  target: IToken | undefined;
}
interface FieldsFrame extends Frame {
  kind: "context" | "event";
  name: IToken | undefined;
  fields: FieldAst[] | undefined;
}
interface FieldBlockFrame extends Frame {
  kind: "fieldBlock";
  fields: FieldAst[];
}
interface FieldFrame extends Frame {
  kind: "field";
  name: IToken | undefined;
  type: TypeAst | undefined;
  literal: LiteralAst | undefined;
  hasLiteral: boolean;
}
interface TypeFrame extends Frame {
  kind: "type";
  base: BaseType | undefined;
  values: string[];
  open: boolean;
  close: boolean;
  optional: boolean;
}
interface LiteralFrame extends Frame {
  kind: "literal";
  value: LiteralAst | undefined;
}
interface ArrayFrame extends Frame {
  kind: "arrayLiteral";
  items: LiteralAst[];
}
interface StateFrame extends Frame {
  kind: "state";
  initial: IToken | undefined;
  final: IToken | undefined;
  name: IToken | undefined;
  entries: ActionListAst[];
  exits: ActionListAst[];
  clauses: ClauseAst[];
  diagnostics: Diagnostic[];
}
interface ActionListFrame extends Frame {
  kind: "entry" | "exit";
  actions: Name[] | undefined;
}
interface ActionsFrame extends Frame {
  kind: "actions";
  names: Name[];
}
interface TailFrame extends Frame {
  kind: "transitionTail";
  guard: GuardAst | undefined;
  arrow: boolean;
  target: IToken | undefined;
  actions: Name[] | undefined;
}
interface ClauseFrame extends Frame {
  kind: "on" | "after";
  name: IToken | undefined;
  duration: IToken | undefined;
  tail: TailFrame | undefined;
}
interface DeadlineFrame extends Frame {
  kind: "deadline";
  duration: IToken | undefined;
  target: IToken | undefined;
  actions: Name[] | undefined;
}
interface DurationFrame extends Frame {
  kind: "duration";
  token: IToken | undefined;
}
interface GuardFrame extends Frame {
  kind: "guard";
  expr: GuardExprAst | undefined;
  soleElse: IToken | undefined;
}
interface OrFrame extends Frame {
  kind: "orExpr";
  operands: GuardExprAst[];
  count: number;
  soleElse: IToken | undefined;
}
interface AndFrame extends Frame {
  kind: "andExpr";
  operands: GuardExprAst[];
  count: number;
  firstName: IToken | undefined;
}
interface UnaryFrame extends Frame {
  kind: "unary";
  bang: IToken | undefined;
  name: IToken | undefined;
  inner: GuardExprAst | undefined;
  expr: GuardExprAst | undefined;
}

export function tokenRange(tok: IToken, lines: LineStarts): SourceRange {
  return lines.span(tok.startOffset, tok.endOffset!);
}

function span(from: SourceRange, to: SourceRange | undefined): SourceRange {
  return { start: from.start, end: to?.end ?? from.end };
}

function chain(kind: "and" | "or", operands: GuardExprAst[]): GuardExprAst | undefined {
  if (operands.length <= 1) return operands[0];
  return { kind, operands, range: span(operands[0]!.range, operands[operands.length - 1]!.range) };
}

/** What the file being parsed needs while its AST is built: where it is, its line table and its doc comments. */
export interface ParseContext {
  path: string;
  lines: LineStarts;
  docs: DocsByOffset;
}

const detached = { start: Number.NaN, end: Number.NaN } as Frame;
detached.parent = detached;

class FsmAstParser extends EmbeddedActionsParser {
  /** The file being parsed; set before each machine. */
  private file: ParseContext | undefined;
  private root: RootFrame = { kind: "root", start: Number.NaN, end: Number.NaN, parent: detached, machine: undefined, diagnostics: [] };
  /** The innermost rule being parsed. */
  private top: Frame = this.root;
  /** False while Chevrotain records the grammar: rule bodies then run once with placeholder tokens and build nothing. */
  private ready = false;

  constructor(private readonly recovers: boolean) {
    super(t.allTokens, { recoveryEnabled: recovers, maxLookahead: 2, errorMessageProvider: syntaxErrorMessages });
    const self = this as unknown as { cstPostTerminal: unknown };
    // Chevrotain reports every token a rule reads to this slot (separators read inside MANY_SEP and tokens found by
    // recovery included), and leaves it empty when no CST is built: filled here, it gives each node its extent.
    self.cstPostTerminal = (_key: string, tok: IToken) => {
      if (tok.isInsertedInRecovery === true || Number.isNaN(tok.startOffset)) return;
      const frame = this.top;
      if (Number.isNaN(frame.start)) frame.start = tok.startOffset;
      frame.end = tok.endOffset!;
    };
    this.performSelfAnalysis();
    this.ready = true;
    // The extents rely on that Chevrotain internal: fail here, not by silently dropping every machine, if it changes.
    const probe = "machine M {}";
    if (this.parseMachine(t.fsmLexer.tokenize(probe).tokens, { path: "", lines: new LineStarts(probe), docs: new Map() }).ast === undefined) {
      throw new Error("FsmAstParser: Chevrotain no longer reports the tokens a rule reads (cstPostTerminal)");
    }
  }

  /** A token read from the input: tokens invented by error recovery carry no text and are left out of the AST, as are the recording phase's placeholders. */
  private real(tok: IToken): IToken | undefined {
    return this.ready && tok.isInsertedInRecovery !== true && !Number.isNaN(tok.startOffset) ? tok : undefined;
  }

  /** Starts a rule's frame. */
  private open<F extends Frame>(frame: F): F {
    frame.parent = this.top;
    this.top = frame;
    return frame;
  }

  /** Ends a rule's frame, folding its extent into the enclosing rule's; false while the grammar is being recorded. */
  private close(frame: Frame): boolean {
    const parent = frame.parent;
    this.top = parent;
    if (!Number.isNaN(frame.start)) {
      if (Number.isNaN(parent.start)) parent.start = frame.start;
      if (!(parent.end >= frame.end)) parent.end = frame.end;
    }
    return this.ready;
  }

  private frameRange(frame: Frame): SourceRange | undefined {
    return Number.isNaN(frame.start) ? undefined : this.file!.lines.span(frame.start, frame.end);
  }

  private range(tok: IToken): SourceRange {
    return tokenRange(tok, this.file!.lines);
  }

  private nameOf(tok: IToken | undefined): Name | undefined {
    return tok && { text: tok.image, range: this.range(tok) };
  }

  private docAt(range: SourceRange): string | undefined {
    return this.file!.docs.get(range.start.offset);
  }

  private problem(code: "FSM001" | "FSM105", range: SourceRange, message: string): Diagnostic {
    return diagnostic(code, this.file!.path, range, message);
  }

  /** Keywords that start a member or clause: used as a name only on the same line as what precedes the name. */
  private static readonly starters = new Set([
    t.On,
    t.After,
    t.Entry,
    t.Exit,
    t.State,
    t.Initial,
    t.Final,
    t.Event,
    t.Context,
    t.Version,
    t.Deadline,
    t.Migrate,
    t.Machine,
  ]);

  /**
   * A missing name at the end of a line (`on E ->` then a new `on` clause) must not swallow the next clause's
   * keyword as the name: that would turn one error into a confusing one on the following token.
   */
  private nameHere(): boolean {
    const next = this.LA(1);
    if (!FsmAstParser.starters.has(next.tokenType)) return true;
    const previousEnd = this.LA(0).endOffset ?? Number.NaN;
    // Before the first token there is no previous line to compare with.
    if (Number.isNaN(previousEnd) || Number.isNaN(next.startOffset) || this.file === undefined) return true;
    return this.file.lines.lineIndex(next.startOffset) <= this.file.lines.lineIndex(previousEnd);
  }

  private readonly targetName = [{ GATE: () => this.nameHere(), ALT: () => this.CONSUME(t.Name) }];
  private readonly actionName = [{ GATE: () => this.nameHere(), ALT: () => this.CONSUME(t.Name) }];
  /** `A -> B -> C` is never written: a name followed by `->` after a dangling `->` starts the next mapping. */
  private readonly mappingTarget = [{ GATE: () => this.LA(2).tokenType !== t.Arrow && this.nameHere(), ALT: () => this.CONSUME(t.Name) }];

  /** The entry rule: a file is cut into one token run per machine (see `parseFile`), each parsed on its own. Returns true when it got to its end. */
  machine = this.RULE("machine", () => {
    const f = this.open<MachineFrame>({
      kind: "machine",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      keyword: undefined,
      name: undefined,
      versions: [],
      context: [],
      events: [],
      states: [],
      anyOns: [],
      deadlines: [],
      migrations: [],
      diagnostics: [],
    });
    try {
      f.keyword = this.real(this.CONSUME(t.Machine));
      f.name = this.real(this.CONSUME(t.Name));
      this.CONSUME(t.LCurly);
      // Members are alternatives in place rather than a `member` sub-rule: one rule invocation less per member.
      this.MANY(() => this.OR(this.memberAlternatives));
      this.CONSUME(t.RCurly);
    } finally {
      this.closeMachine(f);
    }
    return true;
  });

  private closeMachine(f: MachineFrame): void {
    if (!this.close(f)) return;
    const name = this.nameOf(f.name);
    const range = this.frameRange(f);
    if (!f.keyword || !name || !range) return;
    const machine: MachineAst = {
      name,
      context: f.context,
      events: f.events,
      states: f.states,
      anyOns: f.anyOns,
      deadlines: f.deadlines,
      migrations: f.migrations,
      file: this.file!.path,
      range,
    };
    const doc = this.docAt(range);
    if (doc !== undefined) machine.doc = doc;
    const root = this.root;
    for (const value of f.versions) {
      const versionRange = this.range(value);
      const number = Number(value.image);
      if (!Number.isSafeInteger(number) || number < 1 || !/^\d+$/.test(value.image)) {
        root.diagnostics.push(this.problem("FSM001", versionRange, `version must be a positive whole number such as 1 or 2, found '${value.image}'`));
      } else if (machine.version !== undefined) {
        root.diagnostics.push(
          this.problem(
            "FSM001",
            versionRange,
            `machine '${machine.name.text}' already has 'version ${machine.version.value}' (line ${machine.version.range.start.line}); give it one version`,
          ),
        );
      } else {
        machine.version = { value: number, range: versionRange };
      }
    }
    for (const d of f.diagnostics) root.diagnostics.push(d);
    root.machine = machine;
  }

  // Alternatives are built once per parser, not on every call: each closure costs an allocation per token otherwise.
  private readonly memberAlternatives = [
    { ALT: () => this.SUBRULE(this.version) },
    { ALT: () => this.SUBRULE(this.context) },
    { ALT: () => this.SUBRULE(this.event) },
    { ALT: () => this.SUBRULE(this.state) },
    { ALT: () => this.SUBRULE(this.on) },
    { ALT: () => this.SUBRULE(this.deadline) },
    { ALT: () => this.SUBRULE(this.migration) },
  ];

  version = this.RULE("version", () => {
    const f = this.open<VersionFrame>({ kind: "version", start: Number.NaN, end: Number.NaN, parent: this.top, value: undefined });
    try {
      this.CONSUME(t.Version);
      f.value = this.real(this.CONSUME(t.NumberLiteral));
    } finally {
      if (this.close(f) && f.value) (f.parent as MachineFrame).versions.push(f.value);
    }
  });

  /** A mapping line starts with an old state's name; a member keyword on a line of its own ends the block instead (its `}` was forgotten). */
  private readonly stateMappings = {
    GATE: () => !FsmAstParser.starters.has(this.LA(1).tokenType) || this.nameHere(),
    DEF: () => this.SUBRULE(this.stateMapping),
  };

  /** `migrate from N { Old -> New … }`: how flows of the older version N move to this one. */
  migration = this.RULE("migration", () => {
    const f = this.open<MigrationFrame>({ kind: "migration", start: Number.NaN, end: Number.NaN, parent: this.top, version: undefined, states: [] });
    try {
      this.CONSUME(t.Migrate);
      this.CONSUME(t.From);
      f.version = this.real(this.CONSUME(t.NumberLiteral));
      this.CONSUME(t.LCurly);
      this.MANY(this.stateMappings);
      this.CONSUME(t.RCurly);
    } finally {
      this.closeMigration(f);
    }
  });

  private closeMigration(f: MigrationFrame): void {
    if (!this.close(f)) return;
    const range = this.frameRange(f);
    if (!f.version || !range) return;
    const machine = f.parent as MachineFrame;
    const versionRange = this.range(f.version);
    const number = Number(f.version.image);
    // Versions are positive whole numbers, so a `from` that is not one can name no older version: said here, as for `version`.
    if (!Number.isSafeInteger(number) || number < 1 || !/^\d+$/.test(f.version.image)) {
      machine.diagnostics.push(
        this.problem("FSM001", versionRange, `'migrate from' takes a version, a positive whole number such as 1 or 2, found '${f.version.image}'`),
      );
      return;
    }
    machine.migrations.push({ from: { value: number, range: versionRange }, states: f.states, range });
  }

  /** `Old -> New`, optionally followed by a comma: mappings are separated by newlines or commas, like fields. */
  stateMapping = this.RULE("stateMapping", () => {
    const f = this.open<StateMappingFrame>({ kind: "stateMapping", start: Number.NaN, end: Number.NaN, parent: this.top, old: undefined, target: undefined });
    try {
      f.old = this.real(this.CONSUME2(t.Name));
      this.CONSUME(t.Arrow);
      f.target = this.real(this.OR(this.mappingTarget));
      this.OPTION(() => this.CONSUME(t.Comma));
    } finally {
      if (this.close(f)) {
        const old = this.nameOf(f.old);
        const target = this.nameOf(f.target);
        if (old && target) (f.parent as MigrationFrame).states.push({ old, target, range: span(old.range, target.range) });
      }
    }
  });

  context = this.RULE("context", () => {
    const f = this.open<FieldsFrame>({ kind: "context", start: Number.NaN, end: Number.NaN, parent: this.top, name: undefined, fields: undefined });
    try {
      this.CONSUME(t.Context);
      this.SUBRULE(this.fieldBlock);
    } finally {
      if (this.close(f) && f.fields) {
        const context = (f.parent as MachineFrame).context;
        for (const field of f.fields) context.push(field);
      }
    }
  });

  event = this.RULE("event", () => {
    const f = this.open<FieldsFrame>({ kind: "event", start: Number.NaN, end: Number.NaN, parent: this.top, name: undefined, fields: undefined });
    try {
      this.CONSUME(t.Event);
      f.name = this.real(this.CONSUME(t.Name));
      this.OPTION(() => this.SUBRULE(this.fieldBlock));
    } finally {
      this.closeEvent(f);
    }
  });

  private closeEvent(f: FieldsFrame): void {
    if (!this.close(f)) return;
    const name = this.nameOf(f.name);
    const range = this.frameRange(f);
    if (!name || !range) return;
    const event: EventAst = { name, fields: f.fields ?? [], range };
    const doc = this.docAt(range);
    if (doc !== undefined) event.doc = doc;
    (f.parent as MachineFrame).events.push(event);
  }

  fieldBlock = this.RULE("fieldBlock", () => {
    const f = this.open<FieldBlockFrame>({ kind: "fieldBlock", start: Number.NaN, end: Number.NaN, parent: this.top, fields: [] });
    try {
      this.CONSUME(t.LCurly);
      this.MANY(() => this.SUBRULE(this.field));
      this.CONSUME(t.RCurly);
    } finally {
      if (this.close(f)) (f.parent as FieldsFrame).fields = f.fields;
    }
  });

  /** Fields are separated by `,` or newlines; newlines are whitespace, so the comma is simply optional. */
  field = this.RULE("field", () => {
    const f = this.open<FieldFrame>({
      kind: "field",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      name: undefined,
      type: undefined,
      literal: undefined,
      hasLiteral: false,
    });
    try {
      f.name = this.real(this.CONSUME(t.Name));
      this.CONSUME(t.Colon);
      this.SUBRULE(this.type);
      this.OPTION(() => {
        this.CONSUME(t.Equals);
        this.SUBRULE(this.literal);
      });
      this.OPTION2(() => this.CONSUME(t.Comma));
    } finally {
      this.closeField(f);
    }
  });

  private closeField(f: FieldFrame): void {
    if (!this.close(f)) return;
    const name = this.nameOf(f.name);
    const type = f.type;
    if (!name || !type) return;
    const field: FieldAst = { name, type, range: span(name.range, type.range) };
    if (f.literal) {
      field.default = f.literal;
      field.range = span(name.range, f.literal.range);
    }
    const doc = this.docAt(name.range);
    if (doc !== undefined) field.doc = doc;
    (f.parent as FieldBlockFrame).fields.push(field);
  }

  private readonly stringLiteralValue = () => {
    const tok = this.real(this.CONSUME2(t.StringLiteral));
    if (tok) (this.top as TypeFrame).values.push(JSON.parse(tok.image) as string);
  };

  private readonly baseTypeAlternatives = [
    { ALT: () => this.baseType(this.CONSUME(t.StringType), "string") },
    { ALT: () => this.baseType(this.CONSUME(t.NumberType), "number") },
    { ALT: () => this.baseType(this.CONSUME(t.IntType), "int") },
    { ALT: () => this.baseType(this.CONSUME(t.BooleanType), "boolean") },
    {
      ALT: () => {
        const tok = this.real(this.CONSUME(t.StringLiteral));
        if (tok) (this.top as TypeFrame).values.push(JSON.parse(tok.image) as string);
        this.MANY(() => {
          this.CONSUME(t.Pipe);
          this.stringLiteralValue();
        });
      },
    },
  ];

  private baseType(tok: IToken, kind: "string" | "number" | "int" | "boolean"): void {
    if (this.real(tok)) (this.top as TypeFrame).base = { kind };
  }

  type = this.RULE("type", () => {
    const f = this.open<TypeFrame>({
      kind: "type",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      base: undefined,
      values: [],
      open: false,
      close: false,
      optional: false,
    });
    try {
      this.OR(this.baseTypeAlternatives);
      this.OPTION(() => {
        f.open = this.real(this.CONSUME(t.LBracket)) !== undefined;
        f.close = this.real(this.CONSUME(t.RBracket)) !== undefined;
      });
      this.OPTION2(() => {
        f.optional = this.real(this.CONSUME(t.Question)) !== undefined;
      });
    } finally {
      this.closeType(f);
    }
  });

  private closeType(f: TypeFrame): void {
    if (!this.close(f)) return;
    const base: BaseType | undefined = f.base ?? (f.values.length > 0 ? { kind: "enum", values: f.values } : undefined);
    const range = this.frameRange(f);
    if (!base || !range) return;
    (f.parent as FieldFrame).type = { base, array: f.open && f.close, optional: f.optional, range };
  }

  private readonly literalAlternatives = [
    {
      ALT: () => {
        const tok = this.real(this.CONSUME(t.StringLiteral));
        if (tok) (this.top as LiteralFrame).value = { kind: "string", value: JSON.parse(tok.image) as string, range: this.range(tok) };
      },
    },
    {
      ALT: () => {
        const tok = this.real(this.CONSUME(t.NumberLiteral));
        if (tok) (this.top as LiteralFrame).value = { kind: "number", value: Number(tok.image), raw: tok.image, range: this.range(tok) };
      },
    },
    { ALT: () => this.booleanLiteral(this.CONSUME(t.True)) },
    { ALT: () => this.booleanLiteral(this.CONSUME(t.False)) },
    { ALT: () => this.SUBRULE(this.arrayLiteral) },
  ];

  private booleanLiteral(tok: IToken): void {
    if (this.real(tok)) (this.top as LiteralFrame).value = { kind: "boolean", value: tok.image === "true", range: this.range(tok) };
  }

  literal = this.RULE("literal", () => {
    const f = this.open<LiteralFrame>({ kind: "literal", start: Number.NaN, end: Number.NaN, parent: this.top, value: undefined });
    try {
      this.OR(this.literalAlternatives);
    } finally {
      if (this.close(f)) {
        const parent = f.parent as FieldFrame | ArrayFrame;
        if (parent.kind === "field") {
          // The first literal of a field is its default, even when recovery left it unusable.
          if (!parent.hasLiteral) parent.literal = f.value;
          parent.hasLiteral = true;
        } else if (f.value) {
          parent.items.push(f.value);
        }
      }
    }
  });

  private readonly arrayItems = { SEP: t.Comma, DEF: () => this.SUBRULE(this.literal) };

  arrayLiteral = this.RULE("arrayLiteral", () => {
    const f = this.open<ArrayFrame>({ kind: "arrayLiteral", start: Number.NaN, end: Number.NaN, parent: this.top, items: [] });
    try {
      this.CONSUME(t.LBracket);
      this.MANY_SEP(this.arrayItems);
      this.CONSUME(t.RBracket);
    } finally {
      if (this.close(f)) {
        const range = this.frameRange(f);
        if (range) (f.parent as LiteralFrame).value = { kind: "array", items: f.items, range };
      }
    }
  });

  state = this.RULE("state", () => {
    const f = this.open<StateFrame>({
      kind: "state",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      initial: undefined,
      final: undefined,
      name: undefined,
      entries: [],
      exits: [],
      clauses: [],
      diagnostics: [],
    });
    try {
      this.OPTION(() => {
        f.initial = this.real(this.CONSUME(t.Initial));
      });
      this.OPTION2(() => {
        f.final = this.real(this.CONSUME(t.Final));
      });
      this.CONSUME(t.State);
      f.name = this.real(this.CONSUME(t.Name));
      this.OPTION3(() => {
        this.CONSUME(t.LCurly);
        this.MANY(() => this.OR(this.stateMemberAlternatives));
        this.CONSUME(t.RCurly);
      });
    } finally {
      this.closeState(f);
    }
  });

  private closeState(f: StateFrame): void {
    if (!this.close(f)) return;
    const name = this.nameOf(f.name);
    const range = this.frameRange(f);
    if (!name || !range) return;
    const state: StateAst = { name, entries: f.entries, exits: f.exits, clauses: f.clauses, range };
    const doc = this.docAt(range);
    if (doc !== undefined) state.doc = doc;
    if (f.initial) state.initial = this.range(f.initial);
    if (f.final) state.final = this.range(f.final);
    const machine = f.parent as MachineFrame;
    machine.states.push(state);
    for (const d of f.diagnostics) machine.diagnostics.push(d);
  }

  private readonly stateMemberAlternatives = [
    { ALT: () => this.SUBRULE(this.entry) },
    { ALT: () => this.SUBRULE(this.exit) },
    { ALT: () => this.SUBRULE(this.on) },
    { ALT: () => this.SUBRULE(this.after) },
  ];

  entry = this.RULE("entry", () => {
    const f = this.open<ActionListFrame>({ kind: "entry", start: Number.NaN, end: Number.NaN, parent: this.top, actions: undefined });
    try {
      this.CONSUME(t.Entry);
      this.SUBRULE(this.actions);
    } finally {
      this.closeActionList(f);
    }
  });

  exit = this.RULE("exit", () => {
    const f = this.open<ActionListFrame>({ kind: "exit", start: Number.NaN, end: Number.NaN, parent: this.top, actions: undefined });
    try {
      this.CONSUME(t.Exit);
      this.SUBRULE(this.actions);
    } finally {
      this.closeActionList(f);
    }
  });

  private closeActionList(f: ActionListFrame): void {
    if (!this.close(f)) return;
    const range = this.frameRange(f);
    if (!f.actions || f.actions.length === 0 || !range) return;
    const state = f.parent as StateFrame;
    (f.kind === "entry" ? state.entries : state.exits).push({ actions: f.actions, range });
  }

  /** Shared by states and the machine level; a machine-level `on` without `->` is reported here. */
  on = this.RULE("on", () => {
    const f = this.open<ClauseFrame>({
      kind: "on",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      name: undefined,
      duration: undefined,
      tail: undefined,
    });
    try {
      this.CONSUME(t.On);
      f.name = this.real(this.CONSUME(t.Name));
      this.SUBRULE(this.transitionTail);
    } finally {
      this.closeOn(f);
    }
  });

  private closeOn(f: ClauseFrame): void {
    if (!this.close(f)) return;
    const event = this.nameOf(f.name);
    const range = this.frameRange(f);
    if (!event || !range) return;
    const parent = f.parent as StateFrame | MachineFrame;
    if (parent.kind === "state") {
      parent.clauses.push(this.clause("state", { kind: "event", event }, f.tail, range));
      return;
    }
    const anyOn = this.clause("machine", { kind: "event", event }, f.tail, range);
    if (anyOn.target !== undefined) {
      parent.anyOns.push(anyOn);
    } else if (f.tail?.arrow !== true) {
      parent.diagnostics.push(
        this.problem(
          "FSM001",
          range,
          `a machine-level 'on ${event.text}' needs a target state ('-> State'): it applies in every state, so it cannot be an internal transition`,
        ),
      );
    }
  }

  after = this.RULE("after", () => {
    const f = this.open<ClauseFrame>({
      kind: "after",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      name: undefined,
      duration: undefined,
      tail: undefined,
    });
    try {
      this.CONSUME(t.After);
      this.SUBRULE(this.duration);
      this.SUBRULE(this.transitionTail);
    } finally {
      this.closeAfter(f);
    }
  });

  private closeAfter(f: ClauseFrame): void {
    if (!this.close(f)) return;
    const state = f.parent as StateFrame;
    const duration = f.duration && this.durationOf(f.duration, state.diagnostics);
    const range = this.frameRange(f);
    if (!duration || !range) return;
    state.clauses.push(this.clause("state", { kind: "after", duration }, f.tail, range));
  }

  private clause(scope: ClauseAst["scope"], trigger: ClauseAst["trigger"], tail: TailFrame | undefined, range: SourceRange): ClauseAst {
    const clause: ClauseAst = { scope, trigger, actions: tail?.actions ?? [], range };
    if (!tail) return clause;
    if (tail.guard) clause.guard = tail.guard;
    const target = this.nameOf(tail.target);
    if (target) clause.target = target;
    return clause;
  }

  // The parts of a clause's tail, built once: every clause has one, so closures made per call would add up.
  private readonly tailGuard = () => this.SUBRULE(this.guard);
  private readonly tailTarget = () => {
    const f = this.top as TailFrame;
    this.CONSUME(t.Arrow);
    f.arrow = true;
    f.target = this.real(this.OR(this.targetName));
  };
  private readonly tailActions = () => {
    this.CONSUME(t.Slash);
    this.SUBRULE(this.actions);
  };

  /** `[guard] [-> Target] [/ actions]`, the part every clause shares. */
  transitionTail = this.RULE("transitionTail", () => {
    const f = this.open<TailFrame>({
      kind: "transitionTail",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      guard: undefined,
      arrow: false,
      target: undefined,
      actions: undefined,
    });
    try {
      this.OPTION(this.tailGuard);
      this.OPTION2(this.tailTarget);
      this.OPTION3(this.tailActions);
    } finally {
      if (this.close(f)) (f.parent as ClauseFrame).tail = f;
    }
  });

  deadline = this.RULE("deadline", () => {
    const f = this.open<DeadlineFrame>({
      kind: "deadline",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      duration: undefined,
      target: undefined,
      actions: undefined,
    });
    try {
      this.CONSUME(t.Deadline);
      this.SUBRULE(this.duration);
      this.CONSUME(t.Arrow);
      f.target = this.real(this.OR2(this.targetName));
      this.OPTION(() => {
        this.CONSUME(t.Slash);
        this.SUBRULE(this.actions);
      });
    } finally {
      this.closeDeadline(f);
    }
  });

  private closeDeadline(f: DeadlineFrame): void {
    if (!this.close(f)) return;
    const machine = f.parent as MachineFrame;
    // The duration is judged even when the rest of the deadline is missing: its FSM105 stands on its own.
    const duration = f.duration && this.durationOf(f.duration, machine.diagnostics);
    const target = this.nameOf(f.target);
    const range = this.frameRange(f);
    if (!duration || !target || !range) return;
    machine.deadlines.push({ duration, target, actions: f.actions ?? [], range });
  }

  private durationOf(tok: IToken, diagnostics: Diagnostic[]): DurationAst {
    const range = this.range(tok);
    const reading = readDuration(tok.image);
    if (reading.ok) return { text: tok.image, ms: reading.ms, range };
    diagnostics.push(this.problem("FSM105", range, reading.problem));
    return { text: tok.image, ms: reading.zero ? 0 : Number.NaN, range };
  }

  /** A bare number is accepted here so `after 30` gets FSM105 "missing unit" rather than a syntax error. */
  private readonly durationAlternatives = [{ ALT: () => this.CONSUME(t.Duration) }, { ALT: () => this.CONSUME(t.NumberLiteral) }];

  duration = this.RULE("duration", () => {
    const f = this.open<DurationFrame>({ kind: "duration", start: Number.NaN, end: Number.NaN, parent: this.top, token: undefined });
    try {
      f.token = this.real(this.OR(this.durationAlternatives));
    } finally {
      if (this.close(f)) (f.parent as ClauseFrame | DeadlineFrame).duration = f.token;
    }
  });

  /** `[else]` is parsed as a one-name expression and recognised here. */
  guard = this.RULE("guard", () => {
    const f = this.open<GuardFrame>({ kind: "guard", start: Number.NaN, end: Number.NaN, parent: this.top, expr: undefined, soleElse: undefined });
    try {
      this.CONSUME(t.LBracket);
      this.SUBRULE(this.orExpr);
      this.CONSUME(t.RBracket);
    } finally {
      if (this.close(f)) {
        const guard: GuardAst | undefined = f.soleElse ? { kind: "else", range: this.range(f.soleElse) } : f.expr;
        if (guard) (f.parent as TailFrame).guard = guard;
      }
    }
  });

  orExpr = this.RULE("orExpr", () => {
    const f = this.open<OrFrame>({ kind: "orExpr", start: Number.NaN, end: Number.NaN, parent: this.top, operands: [], count: 0, soleElse: undefined });
    try {
      this.SUBRULE(this.andExpr);
      this.MANY(() => {
        this.CONSUME(t.OrOr);
        this.SUBRULE2(this.andExpr);
      });
    } finally {
      if (this.close(f)) {
        const parent = f.parent as GuardFrame | UnaryFrame;
        parent.expr = chain("or", f.operands);
        if (parent.kind === "guard" && f.count === 1) parent.soleElse = f.soleElse;
      }
    }
  });

  andExpr = this.RULE("andExpr", () => {
    const f = this.open<AndFrame>({ kind: "andExpr", start: Number.NaN, end: Number.NaN, parent: this.top, operands: [], count: 0, firstName: undefined });
    try {
      this.SUBRULE(this.unary);
      this.MANY(() => {
        this.CONSUME(t.AndAnd);
        this.SUBRULE2(this.unary);
      });
    } finally {
      if (this.close(f)) {
        const parent = f.parent as OrFrame;
        parent.count++;
        if (parent.count === 1 && f.count === 1 && f.firstName && tokenMatcher(f.firstName, t.Else)) parent.soleElse = f.firstName;
        const expr = chain("and", f.operands);
        if (expr) parent.operands.push(expr);
      }
    }
  });

  private readonly unaryAlternatives = [
    {
      ALT: () => {
        (this.top as UnaryFrame).bang = this.real(this.CONSUME(t.Bang));
        this.SUBRULE(this.unary);
      },
    },
    {
      ALT: () => {
        (this.top as UnaryFrame).name = this.real(this.CONSUME(t.Name));
      },
    },
    {
      ALT: () => {
        this.CONSUME(t.LParen);
        this.SUBRULE(this.orExpr);
        this.CONSUME(t.RParen);
      },
    },
  ];

  unary = this.RULE("unary", () => {
    const f = this.open<UnaryFrame>({
      kind: "unary",
      start: Number.NaN,
      end: Number.NaN,
      parent: this.top,
      bang: undefined,
      name: undefined,
      inner: undefined,
      expr: undefined,
    });
    try {
      this.OR(this.unaryAlternatives);
    } finally {
      this.closeUnary(f);
    }
  });

  private closeUnary(f: UnaryFrame): void {
    if (!this.close(f)) return;
    let expr: GuardExprAst | undefined;
    if (f.bang) {
      const operand = f.inner;
      expr = operand && { kind: "not", operand, range: span(this.range(f.bang), operand.range) };
    } else if (f.name) {
      const name = this.nameOf(f.name)!;
      expr = { kind: "ref", name, range: name.range };
    } else {
      expr = f.expr;
    }
    const parent = f.parent as AndFrame | UnaryFrame;
    if (parent.kind === "unary") {
      parent.inner = expr;
      return;
    }
    parent.count++;
    if (parent.count === 1) parent.firstName = f.name;
    if (expr) parent.operands.push(expr);
  }

  private readonly actionNames = {
    SEP: t.Comma,
    DEF: () => {
      const tok = this.real(this.OR(this.actionName));
      if (tok) (this.top as ActionsFrame).names.push({ text: tok.image, range: this.range(tok) });
    },
  };

  actions = this.RULE("actions", () => {
    const f = this.open<ActionsFrame>({ kind: "actions", start: Number.NaN, end: Number.NaN, parent: this.top, names: [] });
    try {
      this.AT_LEAST_ONE_SEP(this.actionNames);
    } finally {
      if (this.close(f)) (f.parent as ActionListFrame | TailFrame | DeadlineFrame).actions = f.names;
    }
  });

  /** Parses one machine's run of tokens; its AST (if it has a keyword, a name and a range) and the problems found building it. */
  parseMachine(run: IToken[], context: ParseContext): { ast: MachineAst | undefined; diagnostics: Diagnostic[] } {
    const root: RootFrame = { kind: "root", start: Number.NaN, end: Number.NaN, parent: detached, machine: undefined, diagnostics: [] };
    this.root = root;
    this.top = root;
    this.file = context;
    this.input = run;
    const finished = this.machine();
    // Without recovery a failed parse yields no tree: the machine is then left out of the AST.
    if (!this.recovers && finished !== true) return { ast: undefined, diagnostics: [] };
    return { ast: root.machine, diagnostics: root.diagnostics };
  }
}

let shared: FsmAstParser | undefined;
/**
 * Chevrotain recovers from an error inside a repetition by recursing, so thousands of errors in one machine can
 * exhaust the stack. Such a machine is parsed again without recovery: its first error is still reported exactly.
 */
let withoutRecovery: FsmAstParser | undefined;

export interface MachineResult {
  ast: MachineAst | undefined;
  diagnostics: Diagnostic[];
  errors: IRecognitionException[];
}

/** Parses one machine's run of tokens with the shared parser; recovers from every error it can. */
export function parseMachine(run: IToken[], context: ParseContext): MachineResult {
  shared ??= new FsmAstParser(true);
  try {
    return { ...shared.parseMachine(run, context), errors: [...shared.errors] };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    withoutRecovery ??= new FsmAstParser(false);
    return { ...withoutRecovery.parseMachine(run, context), errors: [...withoutRecovery.errors] };
  }
}
