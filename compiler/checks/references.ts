// Reference checks: transition and deadline targets (FSM102) and `on` event names (FSM103) must be declared.
import type { ClauseAst, Diagnostic, MachineAst, Name } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { didYouMean } from "./closest-name.js";

function undeclaredTarget(machine: MachineAst, target: Name, what: string, states: ReadonlySet<string>, found: Diagnostic[]): void {
  if (states.has(target.text)) return;
  found.push(
    diagnostic(
      "FSM102",
      machine.file,
      target.range,
      `${what} targets undeclared state '${target.text}'${didYouMean(target.text, states) || "; declare the state or correct the name"}`,
    ),
  );
}

function checkClause(machine: MachineAst, clause: ClauseAst, states: ReadonlySet<string>, events: ReadonlySet<string>, found: Diagnostic[]): void {
  if (clause.target !== undefined) undeclaredTarget(machine, clause.target, "transition", states, found);
  if (clause.trigger.kind === "event" && !events.has(clause.trigger.event.text)) {
    const event = clause.trigger.event;
    found.push(
      diagnostic(
        "FSM103",
        machine.file,
        event.range,
        `'on ${event.text}' names undeclared event '${event.text}'${didYouMean(event.text, events) || `; declare it with 'event ${event.text}' or correct the name`}`,
      ),
    );
  }
}

/** FSM102 and FSM103 for one machine. */
export function checkMachineReferences(machine: MachineAst): Diagnostic[] {
  const states = new Set<string>();
  for (const state of machine.states) states.add(state.name.text);
  const events = new Set<string>();
  for (const event of machine.events) events.add(event.name.text);
  const found: Diagnostic[] = [];
  for (const state of machine.states) for (const clause of state.clauses) checkClause(machine, clause, states, events, found);
  for (const clause of machine.anyOns) checkClause(machine, clause, states, events, found);
  for (const deadline of machine.deadlines) undeclaredTarget(machine, deadline.target, "deadline", states, found);
  return found;
}

/** The references family for all machines (references never cross machines). */
export function checkReferences(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const machine of machines) found.push(...checkMachineReferences(machine));
  return found;
}
