// The state graph of one machine as adjacency lists, the input of the reachability and liveness analyses.
import type { ClauseAst, MachineAst, StateAst } from "../ast.js";

export interface Edge {
  to: number;
  /** How the edge is taken, as paths print it: `Answered`, `after 10s`, `deadline 2h`. */
  label: string;
}

/**
 * States are numbered by source order. Machine-level `on` clauses and the deadline lead from
 * every non-final state; they are kept as one shared list each instead of being copied to
 * every state, so the graph stays linear in the size of the source.
 */
export interface StateGraph {
  machine: MachineAst;
  states: readonly StateAst[];
  initial: number;
  isFinal: readonly boolean[];
  /** Edges of each state's own `on`/`after` clauses; empty for final states, which are never left. */
  own: readonly (readonly Edge[])[];
  /** Machine-level `on` edges, leaving every non-final state. */
  everywhere: readonly Edge[];
  /** Deadline edges, leaving every non-final state. */
  deadline: readonly Edge[];
}

function clauseLabel(clause: ClauseAst): string {
  return clause.trigger.kind === "event" ? clause.trigger.event.text : `after ${clause.trigger.duration.text}`;
}

/**
 * Builds the graph, or returns undefined when the machine's structure makes a graph
 * meaningless (no single initial state, a state declared twice, an undeclared target):
 * those errors are reported by other checks and graph diagnostics would only add noise.
 */
export function buildStateGraph(machine: MachineAst): StateGraph | undefined {
  const states = machine.states;
  const index = new Map<string, number>();
  let initial: number | undefined;
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (index.has(state.name.text)) return undefined;
    index.set(state.name.text, i);
    if (state.initial !== undefined) {
      if (initial !== undefined) return undefined;
      initial = i;
    }
  }
  if (initial === undefined) return undefined;

  let resolvable = true;
  const edges = (clauses: readonly ClauseAst[]): Edge[] => {
    const found: Edge[] = [];
    for (const clause of clauses) {
      if (clause.target === undefined) continue;
      const to = index.get(clause.target.text);
      if (to === undefined) resolvable = false;
      found.push({ to: to ?? -1, label: clauseLabel(clause) });
    }
    return found;
  };
  const isFinal: boolean[] = [];
  const own: Edge[][] = [];
  for (const state of states) {
    const final = state.final !== undefined;
    isFinal.push(final);
    own.push(final ? [] : edges(state.clauses));
  }
  const everywhere = edges(machine.anyOns);
  const deadline: Edge[] = [];
  for (const d of machine.deadlines) {
    const to = index.get(d.target.text);
    if (to === undefined) resolvable = false;
    deadline.push({ to: to ?? -1, label: `deadline ${d.duration.text}` });
  }
  if (!resolvable) return undefined;
  return { machine, states, initial, isFinal, own, everywhere, deadline };
}
