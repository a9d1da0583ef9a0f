// The version of a changed machine must go up (FSM601), and never down (FSM602): a version number names exactly one definition.
import type { Diagnostic } from "../../grammar/ast.js";
import { firstDifference } from "./first-difference.js";
import { report, type MachinePair } from "./machine-pair.js";
import { versionPlace } from "./places.js";

export function diffVersion(pair: MachinePair): Diagnostic[] {
  const name = pair.after.definition.name;
  const before = pair.before.definition.version;
  const after = pair.after.definition.version;
  const place = versionPlace(pair.after.ast);
  if (after < before) {
    return [
      report(
        "FSM602",
        [],
        place,
        `the version of machine '${name}' went down from ${before} to ${after}: version ${after} would name another definition than the one flows may have started on; give it version ${before + 1}`,
      ),
    ];
  }
  if (after > before) return [];
  const changed = firstDifference(pair.before.definition.data, pair.after.definition.data);
  if (changed === undefined) return [];
  return [
    report(
      "FSM601",
      [],
      place,
      `machine '${name}' changed (first at ${changed}) but is still version ${after}: flows started on the old definition could be run by the new one; raise it to version ${after + 1}`,
    ),
  ];
}
