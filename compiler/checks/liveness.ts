// Liveness: without a deadline, a reachable non-final state needs a timer or a flow can wait there forever (FSM203).
import type { Diagnostic, MachineAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { searchFromInitial } from "./graph-search.js";
import { buildStateGraph } from "./state-graph.js";

/** The liveness family: one FSM203 warning per reachable non-final state without an `after` timer, in machines without a deadline. */
export function checkLiveness(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => {
    if (machine.deadlines.length > 0) return [];
    const graph = buildStateGraph(machine);
    if (graph === undefined) return [];
    const { reachable } = searchFromInitial(graph);
    return machine.states.flatMap((state, i) =>
      reachable[i] === 0 || state.final !== undefined || state.clauses.some((c) => c.trigger.kind === "after")
        ? []
        : [
            diagnostic(
              "FSM203",
              machine.file,
              state.name.range,
              `state '${state.name.text}' has no timer and machine '${machine.name.text}' has no deadline: a flow waits there forever if no event comes; add an 'after' timer to the state or a 'deadline' to the machine`,
            ),
          ],
    );
  });
}
