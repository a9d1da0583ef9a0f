// Determinism: clauses that can never be taken (FSM301), misplaced `[else]` (FSM302), events guarded clauses may leave unhandled (FSM303).
import type { ClauseAst, Diagnostic, MachineAst, SourceRange } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import { positionText } from "./ranges.js";

function triggerText(clause: ClauseAst): string {
  return clause.trigger.kind === "event" ? `on ${clause.trigger.event.text}` : `after ${clause.trigger.duration.text}`;
}

function triggerRange(clause: ClauseAst): SourceRange {
  return clause.trigger.kind === "event" ? clause.trigger.event.range : clause.trigger.duration.range;
}

/** Clauses compete when they share a trigger: the same event, or timers of the same duration (a malformed one, FSM105, only with the same text). */
function sameTrigger(a: ClauseAst["trigger"], b: ClauseAst["trigger"]): boolean {
  if (a.kind === "event") return b.kind === "event" && a.event.text === b.event.text;
  if (b.kind !== "after") return false;
  const aMalformed = Number.isNaN(a.duration.ms);
  if (aMalformed !== Number.isNaN(b.duration.ms)) return false;
  return aMalformed ? a.duration.text === b.duration.text : a.duration.ms === b.duration.ms;
}

/** Above this many groups a scope is grouped through a map rather than by scanning the groups found so far. */
const scanLimit = 16;

function triggerKey(trigger: ClauseAst["trigger"]): string {
  if (trigger.kind === "event") return `on ${trigger.event.text}`;
  return Number.isNaN(trigger.duration.ms) ? `after ${trigger.duration.text}` : `after ${trigger.duration.ms}ms`;
}

/**
 * Clauses of one scope grouped by trigger, groups in order of first appearance, each in source order. A state has a
 * handful of triggers, so they are found by scanning the groups: no map and no key string per clause.
 */
function groupByTrigger(clauses: readonly ClauseAst[], eventsOnly = false): ClauseAst[][] {
  const groups: ClauseAst[][] = [];
  let byKey: Map<string, ClauseAst[]> | undefined;
  for (const clause of clauses) {
    const trigger = clause.trigger;
    if (eventsOnly && trigger.kind !== "event") continue;
    let group: ClauseAst[] | undefined;
    if (byKey === undefined) {
      for (const candidate of groups) {
        if (sameTrigger(candidate[0]!.trigger, trigger)) {
          group = candidate;
          break;
        }
      }
      if (group === undefined && groups.length === scanLimit) {
        byKey = new Map(groups.map((g) => [triggerKey(g[0]!.trigger), g]));
      }
    }
    if (byKey !== undefined) group = byKey.get(triggerKey(trigger));
    if (group === undefined) {
      group = [];
      groups.push(group);
      byKey?.set(triggerKey(trigger), group);
    }
    group.push(clause);
  }
  return groups;
}

function checkClauseOrder(file: string, group: readonly ClauseAst[], scopeText: string, found: Diagnostic[]): void {
  let winner: ClauseAst | undefined;
  let guardedBefore = false;
  for (const [i, clause] of group.entries()) {
    const trigger = triggerText(clause);
    if (winner !== undefined) {
      const how = winner.guard === undefined ? "unguarded" : "[else]";
      found.push(
        diagnostic("FSM301", file, triggerRange(clause),
          `this '${trigger}' clause ${scopeText} can never be taken: the earlier ${how} '${trigger}' clause at ${positionText(winner.range)} always wins; remove this clause, or guard the earlier one`),
      );
      continue;
    }
    if (clause.guard === undefined) {
      winner = clause;
    } else if (clause.guard.kind === "else") {
      const following = group[i + 1];
      if (following !== undefined) {
        found.push(
          diagnostic("FSM302", file, clause.guard.range,
            `[else] must be the last '${trigger}' clause ${scopeText}, but another one follows it at ${positionText(following.range)}; move the [else] clause after it`),
        );
      } else if (!guardedBefore) {
        found.push(
          diagnostic("FSM302", file, clause.guard.range,
            `[else] on '${trigger}' ${scopeText} has no guarded '${trigger}' clause before it, so it always holds; remove [else] or add a guarded clause before it`),
        );
      }
      winner = clause;
    } else {
      guardedBefore = true;
    }
  }
}

/** FSM301 and FSM302 for all machines. */
export function checkDeterminism(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const machine of machines) {
    // Final states are skipped: FSM106 covers their clauses.
    for (const state of machine.states) {
      if (state.final !== undefined || state.clauses.length === 0) continue;
      const groups = groupByTrigger(state.clauses);
      // Lone clauses other than `[else]` are always in order: most states have nothing to check.
      if (groups.length === state.clauses.length && !state.clauses.some((c) => c.guard?.kind === "else")) continue;
      const scopeText = `in state '${state.name.text}'`;
      for (const group of groups) checkClauseOrder(machine.file, group, scopeText, found);
    }
    const scopeText = `at machine level in '${machine.name.text}'`;
    for (const group of groupByTrigger(machine.anyOns)) checkClauseOrder(machine.file, group, scopeText, found);
  }
  return found;
}

/** A clause that is taken whenever no earlier one is: unguarded or `[else]`. */
function catchesAll(clause: ClauseAst): boolean {
  return clause.guard === undefined || clause.guard.kind === "else";
}

/** FSM303: in a state every clause for an event is guarded, no `[else]`, and no machine-level clause catches the rest. */
export function checkGuardCoverage(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const machine of machines) {
    const caughtByMachine = new Set<string>();
    for (const c of machine.anyOns) if (c.trigger.kind === "event" && catchesAll(c)) caughtByMachine.add(c.trigger.event.text);
    for (const state of machine.states) {
      if (state.final !== undefined) continue;
      // Only guarded clauses can leave an event unhandled: a state without any has nothing to report.
      if (!state.clauses.some((c) => c.guard !== undefined && c.guard.kind !== "else")) continue;
      for (const group of groupByTrigger(state.clauses, true)) {
        const last = group[group.length - 1]!;
        if (last.trigger.kind !== "event" || group.some(catchesAll) || caughtByMachine.has(last.trigger.event.text)) continue;
        const event = last.trigger.event.text;
        found.push(
          diagnostic("FSM303", machine.file, last.trigger.event.range,
            `every 'on ${event}' clause in state '${state.name.text}' is guarded and there is no [else]: a ${event} event for which no guard holds is left unhandled; add 'on ${event} [else] …' or an unguarded clause`),
        );
      }
    }
  }
  return found;
}
