// The state graph of one machine in compressed sparse row form, the input of the reachability and liveness analyses.
import type { ClauseAst, DeadlineAst, MachineAst, StateAst } from "../../grammar/ast.js";

/**
 * States are numbered by source order, edges by position in `to`: each state's own `on`/`after` clauses first (state by
 * state), then the machine-level `on` clauses, then the deadline. Machine-level `on` clauses and the deadline lead from
 * every non-final state; they are kept once each instead of being copied to every state, so the graph stays linear in
 * the size of the source. Flat integer arrays rather than an object per edge: a large machine has tens of thousands.
 */
export interface StateGraph {
  machine: MachineAst;
  states: readonly StateAst[];
  initial: number;
  /** 1 for a final state. */
  isFinal: Uint8Array;
  /** Target state of each edge. */
  to: Int32Array;
  /** The clause or deadline each edge comes from, for paths in messages. */
  via: readonly (ClauseAst | DeadlineAst)[];
  /** The own edges of state `s` are `ownStart[s]` to `ownStart[s + 1]` (none for final states, which are never left). */
  ownStart: Int32Array;
  /** Machine-level `on` edges run from `ownStart[states.length]` to `deadlineStart`, deadline edges from there to the end. */
  deadlineStart: number;
}

/** How an edge is taken, as paths print it: `Answered`, `after 10s`, `deadline 2h`. */
export function edgeLabel(graph: StateGraph, edge: number): string {
  const via = graph.via[edge]!;
  if (!("trigger" in via)) return `deadline ${via.duration.text}`;
  return via.trigger.kind === "event" ? via.trigger.event.text : `after ${via.trigger.duration.text}`;
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
  let edgeBound = machine.anyOns.length + machine.deadlines.length;
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (index.has(state.name.text)) return undefined;
    index.set(state.name.text, i);
    if (state.initial !== undefined) {
      if (initial !== undefined) return undefined;
      initial = i;
    }
    edgeBound += state.clauses.length;
  }
  if (initial === undefined) return undefined;

  // Sized for every clause having a target; the unused tail is cut off at the end.
  const to = new Int32Array(edgeBound);
  const via: (ClauseAst | DeadlineAst)[] = [];
  let edges = 0;
  const addEdge = (target: string, from: ClauseAst | DeadlineAst): boolean => {
    const state = index.get(target);
    if (state === undefined) return false;
    to[edges++] = state;
    via.push(from);
    return true;
  };
  const addClauses = (clauses: readonly ClauseAst[]): boolean => {
    for (const clause of clauses) if (clause.target !== undefined && !addEdge(clause.target.text, clause)) return false;
    return true;
  };
  const isFinal = new Uint8Array(states.length);
  const ownStart = new Int32Array(states.length + 1);
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    ownStart[i] = edges;
    if (state.final !== undefined) isFinal[i] = 1;
    else if (!addClauses(state.clauses)) return undefined;
  }
  ownStart[states.length] = edges;
  if (!addClauses(machine.anyOns)) return undefined;
  const deadlineStart = edges;
  for (const d of machine.deadlines) if (!addEdge(d.target.text, d)) return undefined;
  return { machine, states, initial, isFinal, to: to.subarray(0, edges), via, ownStart, deadlineStart };
}
