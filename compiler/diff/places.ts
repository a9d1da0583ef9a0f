// Where a thing the diff reports is written in a spec: a state, event, field, timer, deadline or handler of a parsed machine.
import type { GuardExprAst, MachineAst, Name, SourceRange } from "../../grammar/ast.js";

/** A file and a range in it. */
export interface Place {
  file: string;
  range: SourceRange;
}

function at(machine: MachineAst, range: SourceRange): Place {
  return { file: machine.file, range };
}

export function machinePlace(machine: MachineAst): Place {
  return at(machine, machine.name.range);
}

/** The `version N` number, or the machine's name when the spec has no version line (version 1). */
export function versionPlace(machine: MachineAst): Place {
  return at(machine, machine.version?.range ?? machine.name.range);
}

export function statePlace(machine: MachineAst | undefined, state: string): Place | undefined {
  const found = machine?.states.find((s) => s.name.text === state);
  return machine && found && at(machine, found.name.range);
}

export function eventPlace(machine: MachineAst | undefined, event: string): Place | undefined {
  const found = machine?.events.find((e) => e.name.text === event);
  return machine && found && at(machine, found.name.range);
}

/** A field of an event's payload: its name, or its type (`part: "type"`). */
export function eventFieldPlace(machine: MachineAst | undefined, event: string, field: string, part: "name" | "type" = "name"): Place | undefined {
  const found = machine?.events.find((e) => e.name.text === event)?.fields.find((f) => f.name.text === field);
  return machine && found && at(machine, part === "name" ? found.name.range : found.type.range);
}

/** A context field: its name, or its type (`part: "type"`). */
export function contextFieldPlace(machine: MachineAst | undefined, field: string, part: "name" | "type" = "name"): Place | undefined {
  const found = machine?.context.find((f) => f.name.text === field);
  return machine && found && at(machine, part === "name" ? found.name.range : found.type.range);
}

/** The duration of the first `after` clause of `state` that makes up the timer of `ms` milliseconds. */
export function timerPlace(machine: MachineAst | undefined, state: string, ms: number): Place | undefined {
  const clause = machine?.states.find((s) => s.name.text === state)?.clauses.find((c) => c.trigger.kind === "after" && c.trigger.duration.ms === ms);
  return machine && clause?.trigger.kind === "after" ? at(machine, clause.trigger.duration.range) : undefined;
}

/** The deadline's duration, or its target (`part: "target"`). */
export function deadlinePlace(machine: MachineAst | undefined, part: "duration" | "target" = "duration"): Place | undefined {
  const deadline = machine?.deadlines[0];
  return machine && deadline && at(machine, part === "duration" ? deadline.duration.range : deadline.target.range);
}

function guardNames(guard: GuardExprAst, into: Name[]): Name[] {
  if (guard.kind === "ref") into.push(guard.name);
  else if (guard.kind === "not") guardNames(guard.operand, into);
  else for (const operand of guard.operands) guardNames(operand, into);
  return into;
}

/** The first place in the source where the guard or action `name` is used. */
export function handlerPlace(machine: MachineAst | undefined, kind: "guard" | "action", name: string): Place | undefined {
  if (!machine) return undefined;
  const clauses = [...machine.states.flatMap((s) => s.clauses), ...machine.anyOns];
  const uses: Name[] =
    kind === "guard"
      ? clauses.flatMap((c) => (c.guard && c.guard.kind !== "else" ? guardNames(c.guard, []) : []))
      : [
          ...machine.states.flatMap((s) => [...s.entries, ...s.exits].flatMap((list) => list.actions)),
          ...clauses.flatMap((c) => c.actions),
          ...machine.deadlines.flatMap((d) => d.actions),
        ];
  const first = uses.filter((use) => use.text === name).sort((a, b) => a.range.start.offset - b.range.start.offset)[0];
  return first && at(machine, first.range);
}
