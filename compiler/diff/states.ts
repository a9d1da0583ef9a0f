// A state the old version has, the new one lacks and no `migrate from` block maps (FSM604): flows in it finish on the old version.
import type { Diagnostic } from "../../grammar/ast.js";
import { movedTo, report, versions, type MachinePair } from "./machine-pair.js";
import { machinePlace, statePlace } from "./places.js";

/*
 * A warning, not an error: flows end on the version they started on, so a flow in the removed state is
 * fine as long as the old version's definition and handlers stay deployed. Dropping them while such a
 * flow lives leaves it stuck until its deadline, and no spec can tell whether any does: the warning
 * says what to keep and for how long. A state the new version's `migrate from` block maps is not
 * reported: its flows move.
 */
export function diffStates(pair: MachinePair): Diagnostic[] {
  const { before, after } = versions(pair);
  return [...pair.before.definition.states.keys()]
    .filter((state) => !pair.after.definition.states.has(state) && movedTo(pair, state) === undefined)
    .map((state) =>
      report(
        "FSM604",
        [statePlace(pair.before.ast, state)],
        machinePlace(pair.after.ast),
        `state '${state}' of ${before} is gone in ${after}: flows in it finish on ${before}, so keep its definition and handlers deployed until none is left in '${state}', or map the state in a 'migrate from ${pair.before.definition.version}' block`,
      ),
    );
}
