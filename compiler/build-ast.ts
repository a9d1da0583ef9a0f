// Turns the parser's CST into the AST of compiler/ast.ts with exact source ranges; tolerates the partial trees error recovery leaves.
import { tokenMatcher, type CstElement, type CstNode, type IToken } from "chevrotain";
import type {
  ActionListAst,
  BaseType,
  ClauseAst,
  DeadlineAst,
  Diagnostic,
  DurationAst,
  EventAst,
  FieldAst,
  FileAst,
  GuardAst,
  GuardExprAst,
  LiteralAst,
  MachineAst,
  Name,
  SourceRange,
  StateAst,
  TypeAst,
} from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import { collectDocs, type DocsByOffset } from "./doc-comments.js";
import { readDuration } from "./read-duration.js";
import * as t from "../grammar/lexer.js";
import type { LineStarts } from "../grammar/line-starts.js";

export interface BuildAstInput {
  path: string;
  text: string;
  /** One CST per machine, in source order. */
  machines: readonly CstNode[];
  /** The lexer's `///` tokens, in source order. */
  docTokens: readonly IToken[];
  /** Line table of `text`: tokens and CST locations carry offsets only. */
  lines: LineStarts;
}

function isToken(element: CstElement): element is IToken {
  return "image" in element;
}

function isReal(tok: IToken): boolean {
  return tok.isInsertedInRecovery !== true && !Number.isNaN(tok.startOffset);
}

/** The real tokens under `key`: tokens invented by error recovery carry no text and are left out. */
function tokens(node: CstNode, key: string): IToken[] {
  const list = node.children[key] as IToken[] | undefined;
  if (list === undefined) return [];
  return list.every(isReal) ? list : list.filter(isReal);
}

function token(node: CstNode, key: string): IToken | undefined {
  const list = node.children[key] as IToken[] | undefined;
  if (list === undefined) return undefined;
  for (const tok of list) if (isReal(tok)) return tok;
  return undefined;
}

/** Sub-rule nodes under `key` (a key holds either tokens or nodes, never both). */
function nodes(node: CstNode, key: string): CstNode[] {
  return (node.children[key] as CstNode[] | undefined) ?? [];
}

function node(node: CstNode, key: string): CstNode | undefined {
  return (node.children[key] as CstNode[] | undefined)?.[0];
}

export function tokenRange(tok: IToken, lines: LineStarts): SourceRange {
  return lines.span(tok.startOffset, tok.endOffset!);
}

function span(from: SourceRange, to: SourceRange | undefined): SourceRange {
  return { start: from.start, end: to?.end ?? from.end };
}

/** The first and last real tokens under `n`, by offset, folded into `bounds`. */
function realTokenBounds(n: CstNode, bounds: { first?: IToken; last?: IToken }): void {
  for (const list of Object.values(n.children)) {
    for (const element of list) {
      if (isToken(element)) {
        if (!isReal(element)) continue;
        if (bounds.first === undefined || element.startOffset < bounds.first.startOffset) bounds.first = element;
        if (bounds.last === undefined || element.endOffset! > bounds.last.endOffset!) bounds.last = element;
      } else {
        realTokenBounds(element, bounds);
      }
    }
  }
}

/** The range of everything a CST node holds, from the real tokens inside it (recovery may leave its location incomplete). */
function nodeRange(cst: CstNode, lines: LineStarts): SourceRange | undefined {
  const loc = cst.location;
  if (loc !== undefined && !Number.isNaN(loc.startOffset) && loc.endOffset !== undefined && !Number.isNaN(loc.endOffset)) {
    return lines.span(loc.startOffset, loc.endOffset);
  }
  const bounds: { first?: IToken; last?: IToken } = {};
  realTokenBounds(cst, bounds);
  const { first, last } = bounds;
  return first && last ? lines.span(first.startOffset, last.endOffset!) : undefined;
}

class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly docs: DocsByOffset;

  constructor(private readonly input: BuildAstInput) {
    this.docs = collectDocs(input.text, input.docTokens);
  }

  private tokenRange(tok: IToken): SourceRange {
    return tokenRange(tok, this.input.lines);
  }

  private nodeRange(cst: CstNode): SourceRange | undefined {
    return nodeRange(cst, this.input.lines);
  }

  private nameOf(tok: IToken | undefined): Name | undefined {
    return tok && { text: tok.image, range: this.tokenRange(tok) };
  }

  private error(code: "FSM001" | "FSM105", range: SourceRange, message: string): void {
    this.diagnostics.push(diagnostic(code, this.input.path, range, message));
  }

  private docAt(range: SourceRange): string | undefined {
    return this.docs.get(range.start.offset);
  }

  file(): FileAst {
    const machines = this.input.machines
      .map((m) => this.machine(m))
      .filter((m): m is MachineAst => m !== undefined);
    return { path: this.input.path, machines };
  }

  private machine(cst: CstNode): MachineAst | undefined {
    const keyword = token(cst, "Kw_machine");
    const name = this.nameOf(token(cst, "Name"));
    const range = this.nodeRange(cst);
    if (!keyword || !name || !range) return undefined;
    const machine: MachineAst = {
      name,
      context: [],
      events: [],
      states: [],
      anyOns: [],
      deadlines: [],
      file: this.input.path,
      range,
    };
    const doc = this.docAt(range);
    if (doc !== undefined) machine.doc = doc;
    for (const version of nodes(cst, "version")) this.version(version, machine);
    for (const context of nodes(cst, "context")) {
      const block = node(context, "fieldBlock");
      if (block) machine.context.push(...this.fields(block));
    }
    for (const event of nodes(cst, "event")) {
      const eventAst = this.event(event);
      if (eventAst) machine.events.push(eventAst);
    }
    for (const state of nodes(cst, "state")) {
      const stateAst = this.state(state);
      if (stateAst) machine.states.push(stateAst);
    }
    for (const on of nodes(cst, "on")) {
      const anyOn = this.on(on, "machine");
      if (!anyOn) continue;
      const tail = node(on, "transitionTail");
      const arrowWritten = tail !== undefined && (tail.children["Arrow"]?.length ?? 0) > 0;
      if (anyOn.target !== undefined) {
        machine.anyOns.push(anyOn);
      } else if (!arrowWritten) {
        this.error("FSM001", anyOn.range, `a machine-level 'on ${anyOn.trigger.kind === "event" ? anyOn.trigger.event.text : ""}' needs a target state ('-> State'): it applies in every state, so it cannot be an internal transition`);
      }
    }
    for (const deadline of nodes(cst, "deadline")) {
      const deadlineAst = this.deadline(deadline);
      if (deadlineAst) machine.deadlines.push(deadlineAst);
    }
    return machine;
  }

  private version(cst: CstNode, machine: MachineAst): void {
    const value = token(cst, "NumberLiteral");
    if (!value) return;
    const range = this.tokenRange(value);
    const number = Number(value.image);
    if (!Number.isSafeInteger(number) || number < 1 || !/^\d+$/.test(value.image)) {
      this.error("FSM001", range, `version must be a positive whole number such as 1 or 2, found '${value.image}'`);
      return;
    }
    if (machine.version !== undefined) {
      this.error("FSM001", range, `machine '${machine.name.text}' already has 'version ${machine.version.value}' (line ${machine.version.range.start.line}); give it one version`);
      return;
    }
    machine.version = { value: number, range };
  }

  private event(cst: CstNode): EventAst | undefined {
    const name = this.nameOf(token(cst, "Name"));
    const range = this.nodeRange(cst);
    if (!name || !range) return undefined;
    const block = node(cst, "fieldBlock");
    const event: EventAst = { name, fields: block ? this.fields(block) : [], range };
    const doc = this.docAt(range);
    if (doc !== undefined) event.doc = doc;
    return event;
  }

  private fields(block: CstNode): FieldAst[] {
    const fields: FieldAst[] = [];
    for (const fieldCst of nodes(block, "field")) {
      const name = this.nameOf(token(fieldCst, "Name"));
      const typeCst = node(fieldCst, "type");
      const type = typeCst && this.type(typeCst);
      if (!name || !type) continue;
      const field: FieldAst = { name, type, range: span(name.range, type.range) };
      const literalCst = node(fieldCst, "literal");
      const literal = literalCst && this.literal(literalCst);
      if (literal) {
        field.default = literal;
        field.range = span(name.range, literal.range);
      }
      const doc = this.docAt(name.range);
      if (doc !== undefined) field.doc = doc;
      fields.push(field);
    }
    return fields;
  }

  private type(cst: CstNode): TypeAst | undefined {
    let base: BaseType | undefined;
    if (token(cst, "Kw_string")) base = { kind: "string" };
    else if (token(cst, "Kw_number")) base = { kind: "number" };
    else if (token(cst, "Kw_int")) base = { kind: "int" };
    else if (token(cst, "Kw_boolean")) base = { kind: "boolean" };
    else {
      const values = tokens(cst, "StringLiteral").map((s) => JSON.parse(s.image) as string);
      if (values.length > 0) base = { kind: "enum", values };
    }
    const range = this.nodeRange(cst);
    if (!base || !range) return undefined;
    const array = token(cst, "LBracket") !== undefined && token(cst, "RBracket") !== undefined;
    return { base, array, optional: token(cst, "Question") !== undefined, range };
  }

  private literal(cst: CstNode): LiteralAst | undefined {
    const str = token(cst, "StringLiteral");
    if (str) return { kind: "string", value: JSON.parse(str.image) as string, range: this.tokenRange(str) };
    const num = token(cst, "NumberLiteral");
    if (num) return { kind: "number", value: Number(num.image), raw: num.image, range: this.tokenRange(num) };
    const bool = token(cst, "Kw_true") ?? token(cst, "Kw_false");
    if (bool) return { kind: "boolean", value: bool.image === "true", range: this.tokenRange(bool) };
    const array = node(cst, "arrayLiteral");
    const range = array && this.nodeRange(array);
    if (!array || !range) return undefined;
    const items = nodes(array, "literal")
      .map((item) => this.literal(item))
      .filter((item): item is LiteralAst => item !== undefined);
    return { kind: "array", items, range };
  }

  private state(cst: CstNode): StateAst | undefined {
    const name = this.nameOf(token(cst, "Name"));
    const range = this.nodeRange(cst);
    if (!name || !range) return undefined;
    const state: StateAst = { name, entries: [], exits: [], clauses: [], range };
    const doc = this.docAt(range);
    if (doc !== undefined) state.doc = doc;
    const initial = token(cst, "Kw_initial");
    if (initial) state.initial = this.tokenRange(initial);
    const final = token(cst, "Kw_final");
    if (final) state.final = this.tokenRange(final);
    for (const entry of nodes(cst, "entry")) {
      const entryAst = this.actionList(entry);
      if (entryAst) state.entries.push(entryAst);
    }
    for (const exit of nodes(cst, "exit")) {
      const exitAst = this.actionList(exit);
      if (exitAst) state.exits.push(exitAst);
    }
    for (const on of nodes(cst, "on")) {
      const onAst = this.on(on, "state");
      if (onAst) state.clauses.push(onAst);
    }
    const afters = nodes(cst, "after");
    for (const after of afters) {
      const afterAst = this.after(after);
      if (afterAst) state.clauses.push(afterAst);
    }
    // The CST keeps `on` and `after` apart; clauses are tried in source order, so interleave them back.
    if (afters.length > 0) state.clauses.sort((a, b) => a.range.start.offset - b.range.start.offset);
    return state;
  }

  private actionList(cst: CstNode): ActionListAst | undefined {
    const list = node(cst, "actions");
    const actions = list ? this.actions(list) : [];
    const range = this.nodeRange(cst);
    if (actions.length === 0 || !range) return undefined;
    return { actions, range };
  }

  private actions(cst: CstNode): Name[] {
    return tokens(cst, "Name").map((tok) => ({ text: tok.image, range: this.tokenRange(tok) }));
  }

  private on(cst: CstNode, scope: ClauseAst["scope"]): ClauseAst | undefined {
    const event = this.nameOf(token(cst, "Name"));
    const range = this.nodeRange(cst);
    if (!event || !range) return undefined;
    return this.clause(scope, { kind: "event", event }, node(cst, "transitionTail"), range);
  }

  private after(cst: CstNode): ClauseAst | undefined {
    const durationCst = node(cst, "duration");
    const duration = durationCst && this.duration(durationCst);
    const range = this.nodeRange(cst);
    if (!duration || !range) return undefined;
    return this.clause("state", { kind: "after", duration }, node(cst, "transitionTail"), range);
  }

  private clause(scope: ClauseAst["scope"], trigger: ClauseAst["trigger"], tail: CstNode | undefined, range: SourceRange): ClauseAst {
    const clause: ClauseAst = { scope, trigger, actions: [], range };
    if (!tail) return clause;
    const guardCst = node(tail, "guard");
    const guard = guardCst && this.guard(guardCst);
    if (guard) clause.guard = guard;
    const target = this.nameOf(token(tail, "target"));
    if (target) clause.target = target;
    const actions = node(tail, "actions");
    if (actions) clause.actions = this.actions(actions);
    return clause;
  }

  private deadline(cst: CstNode): DeadlineAst | undefined {
    const durationCst = node(cst, "duration");
    const duration = durationCst && this.duration(durationCst);
    const target = this.nameOf(token(cst, "target"));
    const range = this.nodeRange(cst);
    if (!duration || !target || !range) return undefined;
    const actions = node(cst, "actions");
    return { duration, target, actions: actions ? this.actions(actions) : [], range };
  }

  private duration(cst: CstNode): DurationAst | undefined {
    const tok = token(cst, "Duration") ?? token(cst, "NumberLiteral");
    if (!tok) return undefined;
    const range = this.tokenRange(tok);
    const reading = readDuration(tok.image);
    if (reading.ok) return { text: tok.image, ms: reading.ms, range };
    this.error("FSM105", range, reading.problem);
    return { text: tok.image, ms: reading.zero ? 0 : Number.NaN, range };
  }

  private guard(cst: CstNode): GuardAst | undefined {
    const expr = node(cst, "orExpr");
    const elseToken = expr && this.soleElse(expr);
    if (elseToken) return { kind: "else", range: this.tokenRange(elseToken) };
    return expr && this.orExpr(expr);
  }

  /** The `else` keyword when the whole guard is just `[else]`. */
  private soleElse(orExpr: CstNode): IToken | undefined {
    const ands = nodes(orExpr, "andExpr");
    const unaries = ands.length === 1 ? nodes(ands[0]!, "unary") : [];
    const only = unaries.length === 1 ? token(unaries[0]!, "Name") : undefined;
    return only && tokenMatcher(only, t.Else) ? only : undefined;
  }

  private orExpr(cst: CstNode): GuardExprAst | undefined {
    const operands = nodes(cst, "andExpr")
      .map((a) => this.andExpr(a))
      .filter((e): e is GuardExprAst => e !== undefined);
    if (operands.length <= 1) return operands[0];
    return { kind: "or", operands, range: span(operands[0]!.range, operands[operands.length - 1]!.range) };
  }

  private andExpr(cst: CstNode): GuardExprAst | undefined {
    const operands = nodes(cst, "unary")
      .map((u) => this.unary(u))
      .filter((e): e is GuardExprAst => e !== undefined);
    if (operands.length <= 1) return operands[0];
    return { kind: "and", operands, range: span(operands[0]!.range, operands[operands.length - 1]!.range) };
  }

  private unary(cst: CstNode): GuardExprAst | undefined {
    const bang = token(cst, "Bang");
    if (bang) {
      const inner = node(cst, "unary");
      const operand = inner && this.unary(inner);
      return operand && { kind: "not", operand, range: span(this.tokenRange(bang), operand.range) };
    }
    const name = this.nameOf(token(cst, "Name"));
    if (name) return { kind: "ref", name, range: name.range };
    const inner = node(cst, "orExpr");
    return inner && this.orExpr(inner);
  }
}

/** Builds the AST of one file; FSM105 (durations) and grammar-level FSM001 findings come back as diagnostics. */
export function buildAst(input: BuildAstInput): { ast: FileAst; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder(input);
  const ast = builder.file();
  return { ast, diagnostics: builder.diagnostics };
}
