// Reference checks: transition and deadline targets (FSM102) and `on` event names (FSM103) must be declared.
import type { Diagnostic, MachineAst, Name } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import { didYouMean } from "./closest-name.js";

function undeclaredTarget(machine: MachineAst, target: Name, what: string, states: ReadonlySet<string>): Diagnostic[] {
  if (states.has(target.text)) return [];
  return [
    diagnostic("FSM102", machine.file, target.range,
      `${what} targets undeclared state '${target.text}'${didYouMean(target.text, states) || "; declare the state or correct the name"}`),
  ];
}

/** FSM102 and FSM103 for one machine. */
export function checkMachineReferences(machine: MachineAst): Diagnostic[] {
  const states = new Set(machine.states.map((s) => s.name.text));
  const events = new Set(machine.events.map((e) => e.name.text));
  const found: Diagnostic[] = [];
  for (const clause of [...machine.states.flatMap((s) => s.clauses), ...machine.anyOns]) {
    if (clause.target !== undefined) found.push(...undeclaredTarget(machine, clause.target, "transition", states));
    if (clause.trigger.kind === "event" && !events.has(clause.trigger.event.text)) {
      const event = clause.trigger.event;
      found.push(
        diagnostic("FSM103", machine.file, event.range,
          `'on ${event.text}' names undeclared event '${event.text}'${didYouMean(event.text, events) || `; declare it with 'event ${event.text}' or correct the name`}`),
      );
    }
  }
  for (const deadline of machine.deadlines) found.push(...undeclaredTarget(machine, deadline.target, "deadline", states));
  return found;
}

/** The references family for all machines (references never cross machines). */
export function checkReferences(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap(checkMachineReferences);
}
