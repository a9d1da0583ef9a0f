// The drawable graph of a machine: states with their entry/exit actions, and labelled edges of each kind.
import type { ClauseAst, GuardAst, GuardExprAst, MachineAst } from "../../grammar/ast.js";
import { normaliseDuration } from "../emit/duration.js";

/** `event`: an `on` clause; `timer`: an `after` clause; `deadline`; `internal`: a clause without `->`. */
export type EdgeKind = "event" | "timer" | "deadline" | "internal";

export interface GraphEdge {
  /** Source state, or undefined for machine-level clauses and the deadline (from any non-final state). */
  from?: string;
  /** Target state; for internal edges, the state itself. */
  to: string;
  kind: EdgeKind;
  label: string;
}

export interface GraphState {
  name: string;
  initial: boolean;
  final: boolean;
  entry: string[];
  exit: string[];
}

export interface MachineGraph {
  name: string;
  states: GraphState[];
  edges: GraphEdge[];
}

function guardText(guard: GuardExprAst, parent?: GuardExprAst["kind"]): string {
  switch (guard.kind) {
    case "ref":
      return guard.name.text;
    case "not":
      return `!${guardText(guard.operand, "not")}`;
    case "and":
    case "or": {
      const text = guard.operands.map((o) => guardText(o, guard.kind)).join(guard.kind === "and" ? " && " : " || ");
      // Parentheses only where the spec needed them: an `or` inside `and` or `not`, an `and` inside `not`.
      const needs = parent === "not" || (guard.kind === "or" && parent === "and");
      return needs ? `(${text})` : text;
    }
  }
}

function guardLabel(guard: GuardAst | undefined): string {
  if (!guard) return "";
  return guard.kind === "else" ? " [else]" : ` [${guardText(guard)}]`;
}

function actionsLabel(actions: readonly { text: string }[]): string {
  return actions.length > 0 ? ` / ${actions.map((a) => a.text).join(", ")}` : "";
}

function clauseEdge(clause: ClauseAst, from: string | undefined): GraphEdge {
  const trigger = clause.trigger.kind === "event" ? clause.trigger.event.text : `after ${normaliseDuration(clause.trigger.duration.ms)}`;
  const label = `${trigger}${guardLabel(clause.guard)}${actionsLabel(clause.actions)}`;
  if (!clause.target) return { from, to: from ?? "", kind: "internal", label };
  return { from, to: clause.target.text, kind: clause.trigger.kind === "after" ? "timer" : "event", label };
}

export function machineGraph(machine: MachineAst): MachineGraph {
  const edges: GraphEdge[] = [];
  for (const state of machine.states) for (const clause of state.clauses) edges.push(clauseEdge(clause, state.name.text));
  for (const clause of machine.anyOns) if (clause.target) edges.push(clauseEdge(clause, undefined));
  const deadline = machine.deadlines[0];
  if (deadline)
    edges.push({
      to: deadline.target.text,
      kind: "deadline",
      label: `deadline ${normaliseDuration(deadline.duration.ms)}${actionsLabel(deadline.actions)}`,
    });
  return {
    name: machine.name.text,
    states: machine.states.map((s) => ({
      name: s.name.text,
      initial: s.initial !== undefined,
      final: s.final !== undefined,
      entry: s.entries.flatMap((l) => l.actions.map((a) => a.text)),
      exit: s.exits.flatMap((l) => l.actions.map((a) => a.text)),
    })),
    edges,
  };
}
