// One machine before and after a change: where a report about it is placed, how messages name its two versions, and which of its flows move.
import type { Diagnostic, MachineAst } from "../../grammar/ast.js";
import { diagnostic, type DiagnosticCode } from "../../grammar/diagnostics.js";
import type { DefinitionView } from "./definition-view.js";
import type { Place } from "./places.js";

/** A machine on one side of a diff: its definition, and its parsed spec when it was read from one (not from Redis). */
export interface DiffMachine {
  definition: DefinitionView;
  ast?: MachineAst;
}

export interface MachinePair {
  /** The version flows are running now. */
  before: DiffMachine;
  /** The version about to be deployed; always read from a spec. */
  after: Required<DiffMachine>;
}

/**
 * A report at the first place found: where the thing is written in the new spec, else where it was
 * written in the old spec, else `near`, the closest thing that still exists in the new spec (a
 * definition read from Redis has no source to point at).
 */
export function report(code: DiagnosticCode, places: readonly (Place | undefined)[], near: Place, message: string): Diagnostic {
  const place = places.find((p) => p !== undefined) ?? near;
  return diagnostic(code, place.file, place.range, message);
}

/**
 * The state of the new version that a flow of the old version in `state` is moved to when it is next
 * processed, or undefined when it finishes on the old version: the new version's `migrate from <old>`
 * block maps the state, or, not naming it, the new version has a state of that name.
 */
export function movedTo(pair: MachinePair, state: string): string | undefined {
  const block = pair.after.definition.migrations.get(pair.before.definition.version);
  if (!block) return undefined;
  return block.get(state) ?? (pair.after.definition.states.has(state) ? state : undefined);
}

/** `version 2` and `version 3`, the way every message names the two sides; `the old version 2` and `the new version 2` when the version was not raised (FSM601). */
export function versions(pair: MachinePair): { before: string; after: string } {
  const [before, after] = [pair.before.definition.version, pair.after.definition.version];
  return before === after
    ? { before: `the old version ${before}`, after: `the new version ${after}` }
    : { before: `version ${before}`, after: `version ${after}` };
}
