// Usage: a declared event that no clause handles is dead weight or a forgotten transition (FSM401).
import type { Diagnostic, MachineAst } from "../ast.js";
import { diagnostic } from "../diagnostics.js";

/** The usage family: one FSM401 warning per declared event no state-level or machine-level `on` names. */
export function checkUsage(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => {
    const handled = new Set<string>();
    for (const state of machine.states) {
      for (const clause of state.clauses) if (clause.trigger.kind === "event") handled.add(clause.trigger.event.text);
    }
    for (const clause of machine.anyOns) if (clause.trigger.kind === "event") handled.add(clause.trigger.event.text);
    return machine.events.flatMap((event) =>
      handled.has(event.name.text)
        ? []
        : [
            diagnostic("FSM401", machine.file, event.name.range,
              `event '${event.name.text}' is declared but no clause handles it; handle it with 'on ${event.name.text}' in some state or remove the declaration`),
          ],
    );
  });
}
