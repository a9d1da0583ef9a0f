// The machine's deadline dropped or changed by the new version (FSM609): flows of the old version keep the deadline they armed when they started.
import type { Diagnostic } from "../../grammar/ast.js";
import { normaliseDuration } from "../emit/duration.js";
import { report, versions, type MachinePair } from "./machine-pair.js";
import { deadlinePlace, machinePlace } from "./places.js";

/*
 * A warning: the deadline is armed once, at a flow's start, and applied by the flow's own version. A
 * shorter or removed deadline does not reach the flows already running, and their deadline still
 * needs the old version's target and actions: worth knowing before the deploy, not wrong in itself.
 * Only the duration and the target count here; a change of its actions is an ordinary change (FSM601).
 */
export function diffDeadline(pair: MachinePair): Diagnostic[] {
  const v = versions(pair);
  const before = pair.before.definition.deadline;
  const after = pair.after.definition.deadline;
  if (!before) return [];
  const was = `${normaliseDuration(before.ms)} -> ${before.target}`;
  if (!after) {
    return [
      report(
        "FSM609",
        [deadlinePlace(pair.before.ast)],
        machinePlace(pair.after.ast),
        `the deadline (${was}) of ${v.before} is gone in ${v.after}: flows of ${v.before} still have it armed, and go to '${before.target}' when it fires`,
      ),
    ];
  }
  if (after.ms === before.ms && after.target === before.target) return [];
  const part = after.ms !== before.ms ? "duration" : "target";
  const now = `${normaliseDuration(after.ms)} -> ${after.target}`;
  return [
    report(
      "FSM609",
      [deadlinePlace(pair.after.ast, part)],
      machinePlace(pair.after.ast),
      `the deadline changed from ${was} to ${now} in ${v.after}: flows of ${v.before} keep ${was}, armed when they started`,
    ),
  ];
}
