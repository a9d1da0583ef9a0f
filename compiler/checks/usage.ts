// Usage: a declared event that no clause handles is dead weight or a forgotten transition (FSM401).
import type { ClauseAst, Diagnostic, MachineAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";

/** Removes from `unhandled` every event `clauses` handle; true once none is left, so the caller can stop looking. */
function handleAll(clauses: readonly ClauseAst[], unhandled: Set<string>): boolean {
  for (const clause of clauses) {
    if (clause.trigger.kind === "event" && unhandled.delete(clause.trigger.event.text) && unhandled.size === 0) return true;
  }
  return false;
}

/** The usage family: one FSM401 warning per declared event no state-level or machine-level `on` names. */
export function checkUsage(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => {
    const unhandled = new Set<string>();
    for (const event of machine.events) unhandled.add(event.name.text);
    // A machine declares a few events and its first states usually handle them all: the scan stops there.
    let allHandled = unhandled.size === 0 || handleAll(machine.anyOns, unhandled);
    for (let i = 0; !allHandled && i < machine.states.length; i++) allHandled = handleAll(machine.states[i]!.clauses, unhandled);
    if (allHandled) return [];
    return machine.events.flatMap((event) =>
      !unhandled.has(event.name.text)
        ? []
        : [
            diagnostic(
              "FSM401",
              machine.file,
              event.name.range,
              `event '${event.name.text}' is declared but no clause handles it; handle it with 'on ${event.name.text}' in some state or remove the declaration`,
            ),
          ],
    );
  });
}
