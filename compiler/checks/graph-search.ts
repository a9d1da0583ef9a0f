// Linear searches over a state graph: forward from the initial state, backward from the final states.
import type { Edge, StateGraph } from "./state-graph.js";

export interface ForwardSearch {
  reachable: boolean[];
  /** Breadth-first discovery order of the reachable states. */
  order: number[];
  /** The edge each reachable state was first reached by (shortest paths), undefined for the initial state. */
  parent: ({ from: number; edge: Edge } | undefined)[];
}

/** Breadth-first search from the initial state over every edge, the deadline included (FSM201). */
export function searchFromInitial(graph: StateGraph): ForwardSearch {
  const count = graph.states.length;
  const reachable = new Array<boolean>(count).fill(false);
  const parent = new Array<{ from: number; edge: Edge } | undefined>(count).fill(undefined);
  const order = [graph.initial];
  reachable[graph.initial] = true;
  let sharedEdgesTaken = false;
  const visit = (from: number, edge: Edge) => {
    if (reachable[edge.to]) return;
    reachable[edge.to] = true;
    parent[edge.to] = { from, edge };
    order.push(edge.to);
  };
  // `order` doubles as the queue: states are appended as they are discovered.
  for (let head = 0; head < order.length; head++) {
    const state = order[head]!;
    if (graph.isFinal[state]) continue;
    for (const edge of graph.own[state]!) visit(state, edge);
    // Machine-level edges leave every non-final state alike: taking them from the first
    // such state reached gives every target its shortest distance.
    if (!sharedEdgesTaken) {
      sharedEdgesTaken = true;
      for (const edge of graph.everywhere) visit(state, edge);
      for (const edge of graph.deadline) visit(state, edge);
    }
  }
  return { reachable, order, parent };
}

/** The states from which a final state can be reached without the deadline (reverse breadth-first search, FSM202). */
export function statesReachingFinal(graph: StateGraph): boolean[] {
  const count = graph.states.length;
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (let from = 0; from < count; from++) for (const edge of graph.own[from]!) predecessors[edge.to]!.push(from);
  const everywhereTargets = new Set(graph.everywhere.map((e) => e.to));

  const reaches = graph.isFinal.slice();
  const queue = graph.isFinal.flatMap((isFinal, i) => (isFinal ? [i] : []));
  let everyStateReaches = false;
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const sources = predecessors[state]!;
    // A machine-level `on` leads here from every non-final state, so all of them reach a final state.
    const fromEverywhere = !everyStateReaches && everywhereTargets.has(state);
    if (fromEverywhere) everyStateReaches = true;
    const mark = (from: number) => {
      if (reaches[from]) return;
      reaches[from] = true;
      queue.push(from);
    };
    sources.forEach(mark);
    if (fromEverywhere) for (let from = 0; from < count; from++) mark(from);
  }
  return reaches;
}
