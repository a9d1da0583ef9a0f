// The catalog of every diagnostic fsmc reports: stable code, severity, rule title and help text.
// It lives in the front end, which reports the first of them (FSM001, FSM105), so that grammar/ depends on nothing above it.
import type { Diagnostic, Severity, SourceRange } from "./ast.js";

export interface DiagnosticRule {
  code: string;
  severity: Severity;
  /** Short rule name (SARIF `rules[].name`). */
  name: string;
  /** One-sentence description of what the rule finds (SARIF `shortDescription`). */
  title: string;
  /** How to fix it (SARIF `help`). */
  help: string;
}

function rule(code: string, severity: Severity, name: string, title: string, help: string): DiagnosticRule {
  return { code, severity, name, title, help };
}

export const rules = {
  FSM001: rule(
    "FSM001",
    "error",
    "syntax-error",
    "Syntax error: unexpected token, unterminated string or comment, bad character, or a file that is not UTF-8.",
    "Fix the text at the reported position so it follows the grammar of the .fsm language.",
  ),
  FSM101: rule(
    "FSM101",
    "error",
    "duplicate-name",
    "Duplicate name: state, event, context field, event field or machine declared twice.",
    "Rename or remove one of the declarations; names must be unique in their namespace.",
  ),
  FSM102: rule(
    "FSM102",
    "error",
    "undeclared-state",
    "A transition or deadline targets a state that is not declared.",
    "Declare the state or correct the target name.",
  ),
  FSM103: rule(
    "FSM103",
    "error",
    "undeclared-event",
    "An `on` clause names an event that is not declared.",
    "Declare the event with `event Name { … }` or correct the name.",
  ),
  FSM104: rule("FSM104", "error", "initial-state-count", "A machine must have exactly one `initial` state.", "Mark exactly one state `initial`."),
  FSM105: rule(
    "FSM105",
    "error",
    "invalid-duration",
    "Invalid duration: zero, malformed, or units out of order.",
    "Write a positive duration with units largest first, e.g. 250ms, 30s, 1m30s, 2h.",
  ),
  FSM106: rule(
    "FSM106",
    "error",
    "final-state-clauses",
    "A final state has `on`, `after` or `exit` clauses.",
    "Final states end the flow: remove the clauses, or make the state non-final.",
  ),
  FSM107: rule("FSM107", "error", "no-final-state", "A machine has no final state.", "Declare at least one `final state` so flows can end."),
  FSM108: rule(
    "FSM108",
    "error",
    "default-type-mismatch",
    "A context default does not match the field's type.",
    "Change the default so it has the field's type.",
  ),
  FSM109: rule(
    "FSM109",
    "error",
    "initial-and-final",
    "A state is both `initial` and `final`.",
    "A flow cannot start in a state that has already ended it: remove one of the two keywords.",
  ),
  FSM110: rule(
    "FSM110",
    "error",
    "unrepresentable-number",
    "A numeric default cannot be stored as written: too large (it would be Infinity), so small it would be 0, or an int beyond the safe integer range.",
    "Write a number within JavaScript's range (about ±1.8e308, and not so small that it rounds to 0); an int within ±9007199254740991 (Number.MAX_SAFE_INTEGER).",
  ),
  FSM113: rule(
    "FSM113",
    "error",
    "reserved-name",
    "A name is a reserved word of the DSL or of TypeScript, or an event field is named `type`.",
    "Choose another name; generated code never mangles user names.",
  ),
  FSM114: rule(
    "FSM114",
    "error",
    "object-prototype-name",
    "A name is a member of every JavaScript object (`constructor`, `toString`, `__proto__`, …): lookups by that name would find the inherited member.",
    "Choose another name, e.g. `callConstructor`, `displayText`.",
  ),
  FSM201: rule("FSM201", "error", "unreachable-state", "A state cannot be reached from the initial state.", "Add a transition into the state or remove it."),
  FSM202: rule(
    "FSM202",
    "error",
    "trap-region",
    "No final state is reachable from these states without the deadline.",
    "Add a transition (event or timer) from the trapped region towards a final state.",
  ),
  FSM203: rule(
    "FSM203",
    "warning",
    "no-liveness",
    "A reachable non-final state has no timer and the machine has no deadline: a flow waits there forever if no event comes.",
    "Add an `after` timer to the state or a machine `deadline`.",
  ),
  FSM301: rule(
    "FSM301",
    "error",
    "unreachable-clause",
    "A clause can never be taken: an earlier unguarded or `[else]` clause for the same trigger always wins.",
    "Remove the clause, or guard the earlier one.",
  ),
  FSM302: rule(
    "FSM302",
    "error",
    "misplaced-else",
    "`[else]` is not the last clause for its trigger in its scope, or has no guarded clause before it.",
    "Move `[else]` to the last clause for the trigger, after at least one guarded clause.",
  ),
  FSM303: rule(
    "FSM303",
    "warning",
    "maybe-unhandled",
    "Every clause for an event in a state is guarded and there is no `[else]`: the event may be unhandled.",
    "Add an `[else]` clause, or an unguarded one, for the event.",
  ),
  FSM401: rule(
    "FSM401",
    "warning",
    "unused-event",
    "An event is declared but no clause handles it.",
    "Handle the event in some state or remove its declaration.",
  ),
  FSM501: rule(
    "FSM501",
    "error",
    "generated-name-clash",
    "Two machines would be written to the same module file (or to index.ts), or a generated export name would be declared twice: by two machines, or by a machine and a runtime type its module imports.",
    "Rename one of the machines or events; module files are the lower kebab-case of machine names.",
  ),
  // `fsmc diff`: what a new version of a machine does to flows still running an old one (flows end on the version they started on).
  FSM601: rule(
    "FSM601",
    "error",
    "version-not-bumped",
    "A machine's definition changed but its `version` did not: one version number would name two definitions, and flows started on the old one could be run by the new one.",
    "Raise the machine's `version` (to one more than the deployed version).",
  ),
  FSM602: rule(
    "FSM602",
    "error",
    "version-lowered",
    "A machine's `version` went down: a version number would name two different definitions.",
    "Give the machine a version above the deployed one.",
  ),
  FSM603: rule(
    "FSM603",
    "warning",
    "machine-removed",
    "A machine of the old specs is missing from the new ones: its running flows still need its definition and handlers.",
    "Keep the old version's definition and handlers deployed until its flows have ended, then drop it.",
  ),
  FSM604: rule(
    "FSM604",
    "warning",
    "state-removed",
    "A state of the old version is gone and no `migrate from` block moves its flows: they finish on the old version, which must stay deployed until they end.",
    "Keep the old version's definition and handlers deployed until no flow is in the state, or map the state in a `migrate from N` block.",
  ),
  FSM605: rule(
    "FSM605",
    "warning",
    "event-removed",
    "An event of the old version is gone: a sender still sending it to flows of the new version is refused.",
    "Stop every sender of the event before the deploy, or keep the event.",
  ),
  FSM606: rule(
    "FSM606",
    "error",
    "event-payload-refused",
    "An event as the old version's senders send it would be refused by the new version: a field added or made required, or a field every such event carries removed while unknown fields are refused.",
    "Make the new field optional (`name: T?`), keep the removed field, or declare a new event for the new payload.",
  ),
  FSM607: rule(
    "FSM607",
    "warning",
    "event-payload-narrowed",
    "Some events the old version accepted would be refused by the new one: a field's type narrowed or changed, a value of its enum removed, or an optional field removed while unknown fields are refused.",
    "Keep the field's old type (or widen it), or update every sender before the deploy.",
  ),
  FSM608: rule(
    "FSM608",
    "warning",
    "timer-changed",
    "A state's timer is gone or its duration changed, and no `migrate from` block moves the state's flows: flows of the old version waiting in it keep the timer they armed.",
    "Keep the old version deployed until flows armed with the old timer have left the state.",
  ),
  FSM609: rule(
    "FSM609",
    "warning",
    "deadline-changed",
    "The machine's deadline is gone or its duration or target changed: flows of the old version keep the deadline armed when they started.",
    "Keep the old version deployed until its flows have ended; the new deadline applies to new flows only.",
  ),
  FSM610: rule(
    "FSM610",
    "warning",
    "handler-removed",
    "A guard or action the old version uses is gone (removed or renamed): flows of the old version still call it.",
    "Keep the handler in the handlers you register until the old version's flows have ended.",
  ),
  FSM611: rule(
    "FSM611",
    "error",
    "context-field-required",
    "A context field is required in the new version (added, or made required, with no default and not optional): a start as the old version's callers send it is refused, and no flow of the old version can move to the new one without it.",
    "Give the field a default (`name: T = value`) or make it optional (`name: T?`).",
  ),
  FSM612: rule(
    "FSM612",
    "warning",
    "context-field-narrowed",
    "A context field's type narrowed or changed: a value a flow of the old version holds, or a caller of the old version starts with, may not fit it.",
    "Keep the old type (or widen it), or make sure no flow or caller holds a value the new type refuses.",
  ),
  // Migrations: how running flows of an older version move to a new one (`migrate from N { Old -> New }`).
  FSM701: rule(
    "FSM701",
    "error",
    "migration-not-older",
    "A `migrate from N` block names a version that is not older than the machine's `version`.",
    "Write the older version whose flows move (lower than `version`), or raise `version`.",
  ),
  FSM702: rule(
    "FSM702",
    "error",
    "duplicate-migration",
    "Two `migrate from` blocks of a machine name the same older version.",
    "Merge them: one block per older version.",
  ),
  FSM703: rule(
    "FSM703",
    "error",
    "undeclared-migration-target",
    "A `migrate from` block moves flows to a state this machine does not declare.",
    "Declare the state or correct the name.",
  ),
  FSM704: rule("FSM704", "error", "duplicate-migrated-state", "A `migrate from` block maps the same old state twice.", "Keep one mapping per old state."),
  FSM705: rule(
    "FSM705",
    "error",
    "unknown-previous-state",
    "With `--previous`: a `migrate from N` block maps a state that version N of the machine does not have.",
    "Correct the old state's name, or remove the mapping.",
  ),
  FSM706: rule(
    "FSM706",
    "warning",
    "unmigrated-state",
    "With `--previous`: a state of version N is not in this version and `migrate from N` does not map it, so flows in it finish on version N.",
    "Map the state (`Old -> New`) to move its flows, or keep version N deployed until they end.",
  ),
} as const satisfies Record<string, DiagnosticRule>;

export type DiagnosticCode = keyof typeof rules;

export const allRules: readonly DiagnosticRule[] = Object.values(rules);

/** Builds a diagnostic with the catalog's severity for `code`. */
export function diagnostic(code: DiagnosticCode, file: string, range: SourceRange, message: string): Diagnostic {
  return { code, severity: rules[code].severity, message, file, range };
}

/** Sorts diagnostics by file, then position, then code (stable, deterministic output). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.range.start.offset - b.range.start.offset ||
      a.range.end.offset - b.range.end.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
