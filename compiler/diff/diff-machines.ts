// `diff`: what deploying the new specs does to flows still running the old ones, machine by machine (matched by name), as diagnostics.
import type { Diagnostic } from "../../grammar/ast.js";
import { sortDiagnostics } from "../../grammar/diagnostics.js";
import { diffContextFields } from "./context-fields.js";
import { diffDeadline } from "./deadline.js";
import { diffEventPayloads } from "./event-payloads.js";
import { diffEvents } from "./events.js";
import { diffHandlers } from "./handlers.js";
import { report, type DiffMachine, type MachinePair } from "./machine-pair.js";
import { machinePlace, type Place } from "./places.js";
import { diffStates } from "./states.js";
import { diffTimers } from "./timers.js";
import { diffVersion } from "./version.js";

export type { DiffMachine } from "./machine-pair.js";

const families: readonly ((pair: MachinePair) => Diagnostic[])[] = [
  diffVersion,
  diffStates,
  diffEvents,
  diffEventPayloads,
  diffTimers,
  diffDeadline,
  diffHandlers,
  diffContextFields,
];

/**
 * The reports of deploying `after` where `before` runs, sorted. A machine only in `before` is FSM603,
 * placed at its old spec or, read from Redis, at `nowhere` (a place in the new specs); a machine only
 * in `after` is new and reported by nothing.
 */
export function diffMachines(before: readonly DiffMachine[], after: readonly Required<DiffMachine>[], nowhere: Place): Diagnostic[] {
  const afterByName = new Map(after.map((machine) => [machine.definition.name, machine]));
  const diagnostics: Diagnostic[] = [];
  for (const old of before) {
    const name = old.definition.name;
    const next = afterByName.get(name);
    if (next) {
      for (const family of families) diagnostics.push(...family({ before: old, after: next }));
      continue;
    }
    // A warning: the machine's flows finish on their version; what they need is that version kept deployed.
    const version = `version ${old.definition.version}`;
    diagnostics.push(
      report(
        "FSM603",
        [old.ast && machinePlace(old.ast)],
        nowhere,
        `machine '${name}' (${version}) is not in the new specs: its running flows finish on ${version}, so keep its definition and handlers deployed until they have ended`,
      ),
    );
  }
  return sortDiagnostics(diagnostics);
}
