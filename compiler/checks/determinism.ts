// Determinism: clauses that can never be taken (FSM301), misplaced `[else]` (FSM302), events guarded clauses may leave unhandled (FSM303).
import type { ClauseAst, Diagnostic, MachineAst, SourceRange } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import { positionText } from "./ranges.js";

/** Clauses compete when they share a scope and a trigger: the same event, or timers of the same duration. */
function triggerKey(clause: ClauseAst): string {
  if (clause.trigger.kind === "event") return `on ${clause.trigger.event.text}`;
  const { ms, text } = clause.trigger.duration;
  // A malformed duration (FSM105) only competes with the same text.
  return Number.isNaN(ms) ? `after ${text}` : `after ${ms}ms`;
}

function triggerText(clause: ClauseAst): string {
  return clause.trigger.kind === "event" ? `on ${clause.trigger.event.text}` : `after ${clause.trigger.duration.text}`;
}

function triggerRange(clause: ClauseAst): SourceRange {
  return clause.trigger.kind === "event" ? clause.trigger.event.range : clause.trigger.duration.range;
}

/** Clauses of one scope grouped by trigger, each group in source order. */
function groupByTrigger(clauses: readonly ClauseAst[]): ClauseAst[][] {
  const groups = new Map<string, ClauseAst[]>();
  for (const clause of clauses) {
    const key = triggerKey(clause);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [clause]);
    else group.push(clause);
  }
  return [...groups.values()];
}

/** Clause scopes of a machine with how messages name them; final states are skipped (FSM106 covers their clauses). */
function scopes(machine: MachineAst): { clauses: readonly ClauseAst[]; scopeText: string }[] {
  return [
    ...machine.states.filter((s) => s.final === undefined).map((s) => ({ clauses: s.clauses, scopeText: `in state '${s.name.text}'` })),
    { clauses: machine.anyOns, scopeText: `at machine level in '${machine.name.text}'` },
  ];
}

function checkClauseOrder(file: string, group: readonly ClauseAst[], scopeText: string): Diagnostic[] {
  const found: Diagnostic[] = [];
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
  return found;
}

/** FSM301 and FSM302 for all machines. */
export function checkDeterminism(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) =>
    scopes(machine).flatMap(({ clauses, scopeText }) => groupByTrigger(clauses).flatMap((g) => checkClauseOrder(machine.file, g, scopeText))),
  );
}

/** A clause that is taken whenever no earlier one is: unguarded or `[else]`. */
function catchesAll(clause: ClauseAst): boolean {
  return clause.guard === undefined || clause.guard.kind === "else";
}

/** FSM303: in a state every clause for an event is guarded, no `[else]`, and no machine-level clause catches the rest. */
export function checkGuardCoverage(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => {
    const caughtByMachine = new Set(
      machine.anyOns.flatMap((c) => (c.trigger.kind === "event" && catchesAll(c) ? [c.trigger.event.text] : [])),
    );
    return machine.states
      .filter((s) => s.final === undefined)
      .flatMap((state) =>
        groupByTrigger(state.clauses.filter((c) => c.trigger.kind === "event")).flatMap((group) => {
          const last = group[group.length - 1]!;
          if (last.trigger.kind !== "event" || group.some(catchesAll) || caughtByMachine.has(last.trigger.event.text)) return [];
          const event = last.trigger.event.text;
          return [
            diagnostic("FSM303", machine.file, last.trigger.event.range,
              `every 'on ${event}' clause in state '${state.name.text}' is guarded and there is no [else]: a ${event} event for which no guard holds is left unhandled; add 'on ${event} [else] …' or an unguarded clause`),
          ];
        }),
      );
  });
}
