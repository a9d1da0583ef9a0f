// Timers of a state the new version drops or re-times (FSM608): flows of the old version already in the state keep the timer they armed.
import type { Diagnostic } from "../../grammar/ast.js";
import { normaliseDuration } from "../emit/duration.js";
import { movedTo, report, versions, type MachinePair } from "./machine-pair.js";
import { machinePlace, statePlace, timerPlace } from "./places.js";

/*
 * A warning: a timer is armed in Redis, by id (`Ringing/30s`), when a flow enters its state, and fires
 * on the flow's own version, so nothing breaks while that version is deployed. The report says which
 * flows keep the old timing, and that they need the old version to apply it. A state that is gone
 * altogether is FSM604's report, not one per timer; flows a `migrate from` block moves have their old
 * timers cancelled and the new state's armed, so their state is not reported.
 */
export function diffTimers(pair: MachinePair): Diagnostic[] {
  const v = versions(pair);
  const diagnostics: Diagnostic[] = [];
  for (const [state, afterTimers] of pair.after.definition.states) {
    const beforeTimers = pair.before.definition.states.get(state);
    if (!beforeTimers || movedTo(pair, state) !== undefined) continue;
    const gone = beforeTimers.filter((timer) => !afterTimers.some((t) => t.ms === timer.ms));
    const added = afterTimers.filter((timer) => !beforeTimers.some((t) => t.ms === timer.ms));
    const near = statePlace(pair.after.ast, state) ?? machinePlace(pair.after.ast);
    const [was, now] = [gone[0], added[0]];
    if (gone.length === 1 && added.length === 1 && was && now) {
      // One timer out and one in: the same timer, re-timed.
      const [from, to] = [normaliseDuration(was.ms), normaliseDuration(now.ms)];
      diagnostics.push(
        report(
          "FSM608",
          [timerPlace(pair.after.ast, state, now.ms)],
          near,
          `the timer of state '${state}' changed from ${from} to ${to} in ${v.after}: flows of ${v.before} already in '${state}' fire ${was.id} after ${from}, and need ${v.before} deployed to apply it`,
        ),
      );
      continue;
    }
    for (const timer of gone) {
      diagnostics.push(
        report(
          "FSM608",
          [timerPlace(pair.before.ast, state, timer.ms)],
          near,
          `timer ${timer.id} of ${v.before} is gone in ${v.after}: flows of ${v.before} already in '${state}' still fire it, and need ${v.before} deployed to apply it`,
        ),
      );
    }
  }
  return diagnostics;
}
