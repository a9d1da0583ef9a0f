// Guards and actions the old version uses and the new one does not (FSM610): flows of the old version still call them.
import type { Diagnostic } from "../../grammar/ast.js";
import { report, versions, type MachinePair } from "./machine-pair.js";
import { handlerPlace, machinePlace } from "./places.js";

/*
 * A warning: the new version's generated handler interface no longer lists the name, so the handler is
 * easily deleted with it; flows of the old version would then fail on it at run time. A rename looks
 * the same as a removal here, and needs the same care: keep the old name registered too.
 */
export function diffHandlers(pair: MachinePair): Diagnostic[] {
  const v = versions(pair);
  const gone = (kind: "guard" | "action", before: Set<string>, after: Set<string>) =>
    [...before]
      .filter((name) => !after.has(name))
      .map((name) =>
        report(
          "FSM610",
          [handlerPlace(pair.before.ast, kind, name)],
          machinePlace(pair.after.ast),
          `${kind} '${name}' of ${v.before} is not used in ${v.after} (removed or renamed): flows of ${v.before} still call it, so keep it in the handlers until they have ended`,
        ),
      );
  return [
    ...gone("guard", pair.before.definition.guards, pair.after.definition.guards),
    ...gone("action", pair.before.definition.actions, pair.after.definition.actions),
  ];
}
