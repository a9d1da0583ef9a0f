// Determinism: clauses that can never be taken (FSM301), misplaced `[else]` (FSM302), events guarded clauses may leave unhandled (FSM303).
import type { ClauseAst, Diagnostic, MachineAst, SourceRange, StateAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
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

/** `scanTriggers` found a clause that can never be taken or a misplaced `[else]`: FSM301 or FSM302 to report. */
const outOfOrder = 1;
/** `scanTriggers` found an event whose clauses are all guarded, with no `[else]`: FSM303 unless a machine-level clause catches it. */
const uncaughtEvent = 2;

const sawGuarded = 1;
const sawCatchAll = 2;

/** Reused by every call of `scanTriggers`: per group of clauses with one trigger, its first clause and what was seen. */
const scanHeads: ClauseAst[] = [];
const scanSeen: number[] = [];

/**
 * What one scope's clauses may have to report (`outOfOrder`, `uncaughtEvent`), found in one pass without building the
 * groups; nearly every state has nothing, and only the rest are grouped and reported on. More than `scanLimit` distinct
 * triggers are not scanned: the result then says that both may apply.
 */
function scanTriggers(clauses: readonly ClauseAst[]): number {
  let groups = 0;
  let found = 0;
  for (const clause of clauses) {
    const trigger = clause.trigger;
    let g = 0;
    while (g < groups && !sameTrigger(scanHeads[g]!.trigger, trigger)) g++;
    if (g === groups) {
      if (groups === scanLimit) {
        found = outOfOrder | uncaughtEvent;
        break;
      }
      scanHeads[groups] = clause;
      scanSeen[groups] = 0;
      groups++;
    }
    const seen = scanSeen[g]!;
    // Any clause after a catch-all of its trigger is FSM301 (or FSM302 after an `[else]`).
    if ((seen & sawCatchAll) !== 0) found |= outOfOrder;
    const guard = clause.guard;
    if (guard === undefined) {
      scanSeen[g] = seen | sawCatchAll;
    } else if (guard.kind === "else") {
      if ((seen & sawGuarded) === 0) found |= outOfOrder;
      scanSeen[g] = seen | sawCatchAll;
    } else {
      scanSeen[g] = seen | sawGuarded;
    }
  }
  for (let g = 0; g < groups; g++) {
    if (scanSeen[g] === sawGuarded && scanHeads[g]!.trigger.kind === "event") found |= uncaughtEvent;
  }
  // Drop the references so the scratch list does not keep a checked AST alive.
  scanHeads.length = 0;
  return found;
}

function checkClauseOrder(file: string, group: readonly ClauseAst[], scopeText: string, found: Diagnostic[]): void {
  let winner: ClauseAst | undefined;
  let guardedBefore = false;
  for (const [i, clause] of group.entries()) {
    const trigger = triggerText(clause);
    if (winner !== undefined) {
      const how = winner.guard === undefined ? "unguarded" : "[else]";
      found.push(
        diagnostic(
          "FSM301",
          file,
          triggerRange(clause),
          `this '${trigger}' clause ${scopeText} can never be taken: the earlier ${how} '${trigger}' clause at ${positionText(winner.range)} always wins; remove this clause, or guard the earlier one`,
        ),
      );
      continue;
    }
    if (clause.guard === undefined) {
      winner = clause;
    } else if (clause.guard.kind === "else") {
      const following = group[i + 1];
      if (following !== undefined) {
        found.push(
          diagnostic(
            "FSM302",
            file,
            clause.guard.range,
            `[else] must be the last '${trigger}' clause ${scopeText}, but another one follows it at ${positionText(following.range)}; move the [else] clause after it`,
          ),
        );
      } else if (!guardedBefore) {
        found.push(
          diagnostic(
            "FSM302",
            file,
            clause.guard.range,
            `[else] on '${trigger}' ${scopeText} has no guarded '${trigger}' clause before it, so it always holds; remove [else] or add a guarded clause before it`,
          ),
        );
      }
      winner = clause;
    } else {
      guardedBefore = true;
    }
  }
}

/** A clause that is taken whenever no earlier one is: unguarded or `[else]`. */
function catchesAll(clause: ClauseAst): boolean {
  return clause.guard === undefined || clause.guard.kind === "else";
}

/** FSM303 for one state: in it every clause for an event is guarded, no `[else]`, and no machine-level clause catches the rest. */
function checkStateCoverage(machine: MachineAst, state: StateAst, caughtByMachine: ReadonlySet<string>, found: Diagnostic[]): void {
  for (const group of groupByTrigger(state.clauses, true)) {
    const last = group[group.length - 1]!;
    if (last.trigger.kind !== "event" || group.some(catchesAll) || caughtByMachine.has(last.trigger.event.text)) continue;
    const event = last.trigger.event.text;
    found.push(
      diagnostic(
        "FSM303",
        machine.file,
        last.trigger.event.range,
        `every 'on ${event}' clause in state '${state.name.text}' is guarded and there is no [else]: a ${event} event for which no guard holds is left unhandled; add 'on ${event} [else] …' or an unguarded clause`,
      ),
    );
  }
}

export interface DeterminismFindings {
  /** FSM301 and FSM302, for every machine. */
  order: Diagnostic[];
  /** FSM303, for intact machines only: clauses lost to a syntax error could be the missing `[else]`. */
  coverage: Diagnostic[];
}

/** The determinism family. `intact` lists the machines of `machines` that parsed whole; each state's clauses are scanned once for both. */
export function checkDeterminism(machines: readonly MachineAst[], intact: readonly MachineAst[] = machines): DeterminismFindings {
  const findings: DeterminismFindings = { order: [], coverage: [] };
  const covered = new Set(intact);
  for (const machine of machines) {
    const checksCoverage = covered.has(machine);
    const caughtByMachine = new Set<string>();
    if (checksCoverage) for (const c of machine.anyOns) if (c.trigger.kind === "event" && catchesAll(c)) caughtByMachine.add(c.trigger.event.text);
    // Final states are skipped: FSM106 covers their clauses.
    for (const state of machine.states) {
      if (state.final !== undefined || state.clauses.length === 0) continue;
      const scan = scanTriggers(state.clauses);
      if ((scan & outOfOrder) !== 0) {
        const scopeText = `in state '${state.name.text}'`;
        for (const group of groupByTrigger(state.clauses)) checkClauseOrder(machine.file, group, scopeText, findings.order);
      }
      if (checksCoverage && (scan & uncaughtEvent) !== 0) checkStateCoverage(machine, state, caughtByMachine, findings.coverage);
    }
    const scopeText = `at machine level in '${machine.name.text}'`;
    for (const group of groupByTrigger(machine.anyOns)) checkClauseOrder(machine.file, group, scopeText, findings.order);
  }
  return findings;
}
