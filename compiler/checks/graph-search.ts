// Linear searches over a state graph: forward from the initial state, backward from the final states.
import type { StateGraph } from "./state-graph.js";

export interface ForwardSearch {
  /** 1 for a state reachable from the initial state. */
  reachable: Uint8Array;
  /** Breadth-first discovery order of the reachable states. */
  order: Int32Array;
  /** The state and the edge each reachable state was first reached by (shortest paths); -1 for the initial state. */
  parentState: Int32Array;
  parentEdge: Int32Array;
}

/** Breadth-first search from the initial state over every edge, the deadline included (FSM201). */
export function searchFromInitial(graph: StateGraph): ForwardSearch {
  const { to, ownStart } = graph;
  const count = graph.states.length;
  const reachable = new Uint8Array(count);
  const parentState = new Int32Array(count).fill(-1);
  const parentEdge = new Int32Array(count).fill(-1);
  // `order` doubles as the queue: states are appended as they are discovered.
  const order = new Int32Array(count);
  let found = 0;
  order[found++] = graph.initial;
  reachable[graph.initial] = 1;
  let sharedEdgesTaken = false;
  const visit = (from: number, edge: number) => {
    const target = to[edge]!;
    if (reachable[target] === 1) return;
    reachable[target] = 1;
    parentState[target] = from;
    parentEdge[target] = edge;
    order[found++] = target;
  };
  for (let head = 0; head < found; head++) {
    const state = order[head]!;
    if (graph.isFinal[state] === 1) continue;
    for (let edge = ownStart[state]!, end = ownStart[state + 1]!; edge < end; edge++) visit(state, edge);
    // Machine-level edges leave every non-final state alike: taking them from the first
    // such state reached gives every target its shortest distance.
    if (!sharedEdgesTaken) {
      sharedEdgesTaken = true;
      for (let edge = ownStart[count]!; edge < to.length; edge++) visit(state, edge);
    }
  }
  return { reachable, order: order.subarray(0, found), parentState, parentEdge };
}

/** The states from which a final state can be reached without the deadline (reverse breadth-first search, FSM202). */
export function statesReachingFinal(graph: StateGraph): Uint8Array {
  const { to, ownStart, isFinal } = graph;
  const count = graph.states.length;
  const ownEdges = ownStart[count]!;
  // Predecessor lists in compressed sparse row form: counted, then filled back to front.
  const predecessorStart = new Int32Array(count + 1);
  for (let edge = 0; edge < ownEdges; edge++) predecessorStart[to[edge]! + 1]! += 1;
  for (let state = 0; state < count; state++) predecessorStart[state + 1]! += predecessorStart[state]!;
  const fill = predecessorStart.slice(0, count);
  const predecessors = new Int32Array(ownEdges);
  for (let from = 0; from < count; from++) {
    for (let edge = ownStart[from]!, end = ownStart[from + 1]!; edge < end; edge++) predecessors[fill[to[edge]!]!++] = from;
  }
  const everywhereTarget = new Uint8Array(count);
  for (let edge = ownEdges; edge < graph.deadlineStart; edge++) everywhereTarget[to[edge]!] = 1;

  const reaches = isFinal.slice();
  const queue = new Int32Array(count);
  let queued = 0;
  for (let state = 0; state < count; state++) if (isFinal[state] === 1) queue[queued++] = state;
  const mark = (from: number) => {
    if (reaches[from] === 1) return;
    reaches[from] = 1;
    queue[queued++] = from;
  };
  let everyStateReaches = false;
  for (let head = 0; head < queued; head++) {
    const state = queue[head]!;
    // A machine-level `on` leads here from every non-final state, so all of them reach a final state.
    const fromEverywhere = !everyStateReaches && everywhereTarget[state] === 1;
    if (fromEverywhere) everyStateReaches = true;
    for (let i = predecessorStart[state]!, end = predecessorStart[state + 1]!; i < end; i++) mark(predecessors[i]!);
    if (fromEverywhere) for (let from = 0; from < count; from++) mark(from);
  }
  return reaches;
}
