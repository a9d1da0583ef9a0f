// Name checks: duplicate declarations and guard/action name clashes (FSM101), reserved words used as names (FSM113).
import type { Diagnostic, FieldAst, GuardAst, MachineAst, Name } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import { keywordRange, positionText } from "./ranges.js";
import { reservedBecause, reservedEventFieldNames } from "./reserved-words.js";

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
      diagnostic("FSM101", file, name.range,
        `${kind} '${name.text}' is declared twice${where} (first declared at ${positionText(earlier.range)}); rename one of them`),
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
      diagnostic("FSM101", machine.file, machine.name.range,
        `machine '${machine.name.text}' is declared twice (first declared at ${where}); machine names must be unique across all files compiled together`),
    );
  }
  return found;
}

/** FSM101 within one machine: states, events, context fields, each event's fields, and `deadline`. */
export function checkDuplicateDeclarations(machine: MachineAst): Diagnostic[] {
  const file = machine.file;
  const found = [
    ...duplicatesIn(file, machine.states.map((s) => s.name), "state", ""),
    ...duplicatesIn(file, machine.events.map((e) => e.name), "event", ""),
    ...duplicatesIn(file, machine.context.map((f) => f.name), "context field", ""),
  ];
  for (const event of machine.events) {
    found.push(...duplicatesIn(file, event.fields.map((f) => f.name), "field", ` in event '${event.name.text}'`));
  }
  const [firstDeadline, ...extraDeadlines] = machine.deadlines;
  for (const extra of extraDeadlines) {
    found.push(
      diagnostic("FSM101", file, keywordRange(extra.range, "deadline"),
        `duplicate deadline: machine '${machine.name.text}' already has a deadline at ${positionText(firstDeadline!.range)}; keep only one`),
    );
  }
  return found;
}

function guardNames(guard: GuardAst | undefined, into: Name[]): void {
  if (guard === undefined) return;
  // An explicit stack: guards can nest deeply and checks never recurse on user input.
  const pending: GuardAst[] = [guard];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.kind === "ref") into.push(next.name);
    else if (next.kind === "not") pending.push(next.operand);
    else if (next.kind === "and" || next.kind === "or") pending.push(...next.operands);
  }
}

/** Every name a user wrote in a machine, with what it names (the kind appears in messages). */
function namedThings(machine: MachineAst): { name: Name; kind: string }[] {
  const things: { name: Name; kind: string }[] = [{ name: machine.name, kind: "machine" }];
  const fields = (fs: readonly FieldAst[], kind: string) => fs.forEach((f) => things.push({ name: f.name, kind }));
  fields(machine.context, "context field");
  for (const event of machine.events) {
    things.push({ name: event.name, kind: "event" });
    fields(event.fields, "event field");
  }
  const guards: Name[] = [];
  const actions: Name[] = [];
  for (const state of machine.states) {
    things.push({ name: state.name, kind: "state" });
    for (const list of [...state.entries, ...state.exits]) actions.push(...list.actions);
  }
  for (const clause of [...machine.states.flatMap((s) => s.clauses), ...machine.anyOns]) {
    guardNames(clause.guard, guards);
    actions.push(...clause.actions);
  }
  for (const deadline of machine.deadlines) actions.push(...deadline.actions);
  guards.forEach((name) => things.push({ name, kind: "guard" }));
  actions.forEach((name) => things.push({ name, kind: "action" }));
  return things;
}

/**
 * FSM101: guards and actions share one namespace of handler names (DSL.md), so one name
 * cannot be both; reported once per name, at its first use in the role it took second.
 */
export function checkHandlerNameClashes(machine: MachineAst): Diagnostic[] {
  const firstUse = new Map<string, { name: Name; kind: string }>();
  const reported = new Set<string>();
  const found: Diagnostic[] = [];
  const uses = namedThings(machine)
    .filter((t) => t.kind === "guard" || t.kind === "action")
    .sort((a, b) => a.name.range.start.offset - b.name.range.start.offset);
  for (const use of uses) {
    const earlier = firstUse.get(use.name.text);
    if (earlier === undefined) {
      firstUse.set(use.name.text, use);
    } else if (earlier.kind !== use.kind && !reported.has(use.name.text)) {
      reported.add(use.name.text);
      found.push(
        diagnostic("FSM101", machine.file, use.name.range,
          `'${use.name.text}' is used as ${use.kind === "guard" ? "a guard" : "an action"} here and as ${earlier.kind === "guard" ? "a guard" : "an action"} at ${positionText(earlier.name.range)}; guards and actions share one namespace of handler names, so rename one of them`),
      );
    }
  }
  return found;
}

/** FSM113: names that generated code could not use verbatim. */
export function checkReservedNames(machine: MachineAst): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const { name, kind } of namedThings(machine)) {
    const because = reservedBecause(name.text);
    if (because !== undefined) {
      found.push(diagnostic("FSM113", machine.file, name.range, `${kind} name '${name.text}' is ${because}; choose another name`));
    }
  }
  for (const event of machine.events) {
    for (const field of event.fields) {
      if (reservedEventFieldNames.has(field.name.text)) {
        found.push(
          diagnostic("FSM113", machine.file, field.name.range,
            `event field '${field.name.text}' in event '${event.name.text}' is reserved: an event's 'type' property holds the event's name; choose another name`),
        );
      }
    }
  }
  return found;
}

/** The names family: FSM101 and FSM113 for all machines compiled together. */
export function checkNames(machines: readonly MachineAst[]): Diagnostic[] {
  return [
    ...checkDuplicateMachines(machines),
    ...machines.flatMap((m) => [...checkDuplicateDeclarations(m), ...checkHandlerNameClashes(m), ...checkReservedNames(m)]),
  ];
}
