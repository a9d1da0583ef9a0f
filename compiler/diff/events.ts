// An event the old version declares and the new one lacks (FSM605): a sender still sending it to a flow of the new version is refused.
import type { Diagnostic } from "../../grammar/ast.js";
import { report, versions, type MachinePair } from "./machine-pair.js";
import { eventPlace, machinePlace } from "./places.js";

/*
 * A warning: removing an event is usually meant (the flow no longer listens for it) and flows of the old
 * version still accept it. What breaks is a sender that was not updated: the new version's flows refuse
 * its event, loudly, at `send`.
 */
export function diffEvents(pair: MachinePair): Diagnostic[] {
  const { before, after } = versions(pair);
  return [...pair.before.definition.events.keys()]
    .filter((event) => !pair.after.definition.events.has(event))
    .map((event) =>
      report(
        "FSM605",
        [eventPlace(pair.before.ast, event)],
        machinePlace(pair.after.ast),
        `event '${event}' of ${before} is gone in ${after}: a '${event}' sent to a flow of ${after} is refused, so stop its senders before the deploy`,
      ),
    );
}
