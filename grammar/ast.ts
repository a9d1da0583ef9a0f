// The parsed model of `.fsm` files: plain data with exact source ranges, shared by checks and emitter.

/** A point in a source file. `offset` is a 0-based UTF-16 index; `line` and `column` are 1-based. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/** A half-open source range: `end` is the position just after the last character. */
export interface SourceRange {
  start: Position;
  end: Position;
}

/** A name as written in the source, with where it was written. */
export interface Name {
  text: string;
  range: SourceRange;
}

export interface SourceFile {
  /** The path as given by the caller (used in diagnostics). */
  path: string;
  text: string;
}

export interface FileAst {
  path: string;
  machines: MachineAst[];
}

export interface MachineAst {
  name: Name;
  /** Text of the `///` lines directly before `machine`, joined by "\n", without the slashes. */
  doc?: string;
  /** `version N`; undefined when absent (the machine's version is then 1). */
  version?: { value: number; range: SourceRange };
  /** Every `context { … }` block's fields, in source order. */
  context: FieldAst[];
  events: EventAst[];
  states: StateAst[];
  /** Machine-level `on` clauses, in source order (scope "machine"). */
  anyOns: ClauseAst[];
  /** Every `deadline` member in source order; more than one is reported by the checks. */
  deadlines: DeadlineAst[];
  /** Every `migrate from N { … }` block in source order. */
  migrations: MigrationAst[];
  file: string;
  range: SourceRange;
}

export type BaseType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "int" }
  | { kind: "boolean" }
  /** A union of string literals: `"a" | "b"`. */
  | { kind: "enum"; values: string[] };

export interface TypeAst {
  base: BaseType;
  array: boolean;
  optional: boolean;
  range: SourceRange;
}

export type LiteralAst =
  | { kind: "string"; value: string; range: SourceRange }
  | { kind: "number"; value: number; raw: string; range: SourceRange }
  | { kind: "boolean"; value: boolean; range: SourceRange }
  | { kind: "array"; items: LiteralAst[]; range: SourceRange };

export interface FieldAst {
  name: Name;
  type: TypeAst;
  default?: LiteralAst;
  doc?: string;
  range: SourceRange;
}

export interface EventAst {
  name: Name;
  doc?: string;
  fields: FieldAst[];
  range: SourceRange;
}

/** `entry a, b` or `exit a, b`. */
export interface ActionListAst {
  actions: Name[];
  range: SourceRange;
}

export interface StateAst {
  name: Name;
  doc?: string;
  /** Range of the `initial` keyword when present. */
  initial?: SourceRange;
  /** Range of the `final` keyword when present. */
  final?: SourceRange;
  entries: ActionListAst[];
  exits: ActionListAst[];
  /** `on` and `after` clauses of this state, in source order (scope "state"). */
  clauses: ClauseAst[];
  range: SourceRange;
}

export interface DurationAst {
  /** The duration as written, e.g. "1m30s". */
  text: string;
  /** Milliseconds; NaN when the text is malformed (reported as FSM105). */
  ms: number;
  range: SourceRange;
}

export type ClauseTrigger = { kind: "event"; event: Name } | { kind: "after"; duration: DurationAst };

export type GuardExprAst =
  | { kind: "ref"; name: Name; range: SourceRange }
  | { kind: "not"; operand: GuardExprAst; range: SourceRange }
  | { kind: "and"; operands: GuardExprAst[]; range: SourceRange }
  | { kind: "or"; operands: GuardExprAst[]; range: SourceRange };

export type GuardAst = { kind: "else"; range: SourceRange } | GuardExprAst;

export interface ClauseAst {
  scope: "state" | "machine";
  trigger: ClauseTrigger;
  guard?: GuardAst;
  /** `-> Target`; undefined for an internal transition. */
  target?: Name;
  actions: Name[];
  range: SourceRange;
}

export interface DeadlineAst {
  duration: DurationAst;
  target: Name;
  actions: Name[];
  range: SourceRange;
}

/** `migrate from N { Old -> New … }`: how running flows of the older version N move to this version. */
export interface MigrationAst {
  /** `N`, the older version, with the range of the number. */
  from: { value: number; range: SourceRange };
  /** The `Old -> New` lines, in source order. */
  states: StateMappingAst[];
  range: SourceRange;
}

/** `Old -> New` in a migration: flows of the older version in state `old` move to state `target` of this one. */
export interface StateMappingAst {
  old: Name;
  target: Name;
  range: SourceRange;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  range: SourceRange;
}
