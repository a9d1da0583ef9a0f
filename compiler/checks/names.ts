// Name checks: duplicate declarations and guard/action name clashes (FSM101), reserved words (FSM113) and Object.prototype members (FSM114) used as names.
import type { ClauseAst, Diagnostic, GuardAst, MachineAst, Name } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { keywordRange, positionText } from "./ranges.js";
import { objectPrototypeMembers, reservedBecause, reservedEventFieldNames } from "./reserved-words.js";

/** Reports every name after the first of its text in one namespace. */
function duplicatesIn(file: string, names: readonly Name[], kind: string, where: string): Diagnostic[] {
  const first = new Map<string, Name>();
  const found: Diagnostic[] = [];
  for (const name of names) {
    const earlier = first.get(name.text);
    if (earlier === undefined) {
      first.set(name.text, name);
      continue;
    }
    found.push(
      diagnostic(
        "FSM101",
        file,
        name.range,
        `${kind} '${name.text}' is declared twice${where} (first declared at ${positionText(earlier.range)}); rename one of them`,
      ),
    );
  }
  return found;
}

/** FSM101 across all machines compiled together: machine names are global. */
export function checkDuplicateMachines(machines: readonly MachineAst[]): Diagnostic[] {
  const first = new Map<string, MachineAst>();
  const found: Diagnostic[] = [];
  for (const machine of machines) {
    const earlier = first.get(machine.name.text);
    if (earlier === undefined) {
      first.set(machine.name.text, machine);
      continue;
    }
    const where = earlier.file === machine.file ? positionText(earlier.name.range) : `${earlier.file}:${positionText(earlier.name.range)}`;
    found.push(
      diagnostic(
        "FSM101",
        machine.file,
        machine.name.range,
        `machine '${machine.name.text}' is declared twice (first declared at ${where}); machine names must be unique across all files compiled together`,
      ),
    );
  }
  return found;
}

/** FSM101 within one machine: states, events, context fields, each event's fields, and `deadline`. */
export function checkDuplicateDeclarations(machine: MachineAst): Diagnostic[] {
  const file = machine.file;
  const found = [
    ...duplicatesIn(
      file,
      machine.states.map((s) => s.name),
      "state",
      "",
    ),
    ...duplicatesIn(
      file,
      machine.events.map((e) => e.name),
      "event",
      "",
    ),
    ...duplicatesIn(
      file,
      machine.context.map((f) => f.name),
      "context field",
      "",
    ),
  ];
  for (const event of machine.events) {
    found.push(
      ...duplicatesIn(
        file,
        event.fields.map((f) => f.name),
        "field",
        ` in event '${event.name.text}'`,
      ),
    );
  }
  const [firstDeadline, ...extraDeadlines] = machine.deadlines;
  for (const extra of extraDeadlines) {
    found.push(
      diagnostic(
        "FSM101",
        file,
        keywordRange(extra.range, "deadline"),
        `duplicate deadline: machine '${machine.name.text}' already has a deadline at ${positionText(firstDeadline!.range)}; keep only one`,
      ),
    );
  }
  return found;
}

function guardNames(guard: GuardAst | undefined, into: Name[]): void {
  if (guard === undefined) return;
  if (guard.kind === "ref") {
    into.push(guard.name);
    return;
  }
  // An explicit stack: guards can nest deeply and checks never recurse on user input.
  const pending: GuardAst[] = [guard];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.kind === "ref") into.push(next.name);
    else if (next.kind === "not") pending.push(next.operand);
    else if (next.kind === "and" || next.kind === "or") for (const operand of next.operands) pending.push(operand);
  }
}

type NameKind = "machine" | "context field" | "event" | "event field" | "state" | "guard" | "action";

const usedAsGuard = 1;
const usedAsAction = 2;

/**
 * Visits every guard and action name of a machine; each role's names come in the order FSM113 reports them (guards by
 * clause; actions of entries and exits, then of clauses, then of deadlines).
 */
function forEachHandlerName(machine: MachineAst, visit: (name: Name, role: number) => void): void {
  for (const state of machine.states) {
    for (const list of state.entries) for (const name of list.actions) visit(name, usedAsAction);
    for (const list of state.exits) for (const name of list.actions) visit(name, usedAsAction);
  }
  const guards: Name[] = [];
  const clauseNames = (clause: ClauseAst) => {
    if (clause.guard !== undefined) {
      guards.length = 0;
      guardNames(clause.guard, guards);
      for (const name of guards) visit(name, usedAsGuard);
    }
    for (const name of clause.actions) visit(name, usedAsAction);
  };
  for (const state of machine.states) for (const clause of state.clauses) clauseNames(clause);
  for (const clause of machine.anyOns) clauseNames(clause);
  for (const deadline of machine.deadlines) for (const name of deadline.actions) visit(name, usedAsAction);
}

/**
 * Each distinct handler name of a machine with the roles it is used in (`usedAsGuard`, `usedAsAction` or both). Only
 * the distinct texts are kept: the uses themselves are visited again in the rare case that something is to be reported.
 */
function handlerRoles(machine: MachineAst): Map<string, number> {
  const roles = new Map<string, number>();
  forEachHandlerName(machine, (name, role) => {
    const known = roles.get(name.text);
    if (known === undefined) roles.set(name.text, role);
    else if ((known & role) === 0) roles.set(name.text, known | role);
  });
  return roles;
}

/** The uses of guard and action names in `role`, in the order of `forEachHandlerName`. */
function handlerUses(machine: MachineAst, role: number): Name[] {
  const uses: Name[] = [];
  forEachHandlerName(machine, (name, r) => {
    if (r === role) uses.push(name);
  });
  return uses;
}

/**
 * Every name a user wrote in a machine except guards and actions, with what it names (the kind appears in messages):
 * the machine, context fields, events and their fields, states. A visitor rather than a list: a large machine has
 * hundreds of thousands of names, and the checks only look at each once.
 */
function forEachDeclaredName(machine: MachineAst, visit: (name: Name, kind: NameKind) => void): void {
  visit(machine.name, "machine");
  for (const field of machine.context) visit(field.name, "context field");
  for (const event of machine.events) {
    visit(event.name, "event");
    for (const field of event.fields) visit(field.name, "event field");
  }
  for (const state of machine.states) visit(state.name, "state");
}

/**
 * FSM101: guards and actions share one namespace of handler names (docs/language.md, "Guards"), so one name
 * cannot be both; reported once per name, at its first use in the role it took second.
 */
export function checkHandlerNameClashes(machine: MachineAst, roles: ReadonlyMap<string, number> = handlerRoles(machine)): Diagnostic[] {
  // The common case needs no ordering: no name is used both ways, so nothing clashes.
  let clashes = false;
  for (const used of roles.values()) if (used === (usedAsGuard | usedAsAction)) clashes = true;
  if (!clashes) return [];

  const firstUse = new Map<string, { name: Name; kind: string }>();
  const reported = new Set<string>();
  const found: Diagnostic[] = [];
  const uses = [
    ...handlerUses(machine, usedAsGuard).map((name) => ({ name, kind: "guard" })),
    ...handlerUses(machine, usedAsAction).map((name) => ({ name, kind: "action" })),
  ].sort((a, b) => a.name.range.start.offset - b.name.range.start.offset);
  for (const use of uses) {
    const earlier = firstUse.get(use.name.text);
    if (earlier === undefined) {
      firstUse.set(use.name.text, use);
    } else if (earlier.kind !== use.kind && !reported.has(use.name.text)) {
      reported.add(use.name.text);
      found.push(
        diagnostic(
          "FSM101",
          machine.file,
          use.name.range,
          `'${use.name.text}' is used as ${use.kind === "guard" ? "a guard" : "an action"} here and as ${earlier.kind === "guard" ? "a guard" : "an action"} at ${positionText(earlier.name.range)}; guards and actions share one namespace of handler names, so rename one of them`,
        ),
      );
    }
  }
  return found;
}

/** The diagnostic for a name of `kind` that generated code or the runtime could not use, or undefined when it can be used. */
function unusableName(file: string, name: Name, kind: NameKind): Diagnostic | undefined {
  const because = reservedBecause(name.text);
  if (because !== undefined) return diagnostic("FSM113", file, name.range, `${kind} name '${name.text}' is ${because}; choose another name`);
  if (objectPrototypeMembers.has(name.text)) {
    return diagnostic(
      "FSM114",
      file,
      name.range,
      `${kind} name '${name.text}' is a member of Object.prototype, which every JavaScript object has: generated lookups and the runtime's tables would find the inherited member instead of this ${kind}; choose another name`,
    );
  }
  return undefined;
}

/** FSM113 and FSM114: names that generated code could not use verbatim, or that every JavaScript object already has. */
export function checkReservedNames(machine: MachineAst, roles: ReadonlyMap<string, number> = handlerRoles(machine)): Diagnostic[] {
  const found: Diagnostic[] = [];
  const report = (name: Name, kind: NameKind) => {
    const unusable = unusableName(machine.file, name, kind);
    if (unusable !== undefined) found.push(unusable);
  };
  forEachDeclaredName(machine, report);
  // Handler names repeat a few distinct texts many times: each use is looked at only when some text is unusable.
  let anyUnusable = false;
  for (const text of roles.keys()) if (reservedBecause(text) !== undefined || objectPrototypeMembers.has(text)) anyUnusable = true;
  if (anyUnusable) {
    for (const name of handlerUses(machine, usedAsGuard)) report(name, "guard");
    for (const name of handlerUses(machine, usedAsAction)) report(name, "action");
  }
  for (const event of machine.events) {
    for (const field of event.fields) {
      if (reservedEventFieldNames.has(field.name.text)) {
        found.push(
          diagnostic(
            "FSM113",
            machine.file,
            field.name.range,
            `event field '${field.name.text}' in event '${event.name.text}' is reserved: an event's 'type' property holds the event's name; choose another name`,
          ),
        );
      }
    }
  }
  return found;
}

/** The names family: FSM101, FSM113 and FSM114 for all machines compiled together. */
export function checkNames(machines: readonly MachineAst[]): Diagnostic[] {
  const found = checkDuplicateMachines(machines);
  for (const machine of machines) {
    // Both checks read every guard and action name: collected once.
    const roles = handlerRoles(machine);
    found.push(...checkDuplicateDeclarations(machine), ...checkHandlerNameClashes(machine, roles), ...checkReservedNames(machine, roles));
  }
  return found;
}
