// Groups the trapped states of a state graph into regions, each described by its strongly connected components.
import type { StateGraph } from "./state-graph.js";
import { stronglyConnectedComponents } from "./strongly-connected.js";

export interface TrapRegion {
  /** States of the region in source order. */
  states: number[];
  /** The region's strongly connected components in the order flows pass through them. */
  parts: number[][];
}

/** Union-find lookup with path halving: regions are the weakly connected components of the trapped subgraph. */
function findRoot(parentOf: number[], node: number): number {
  while (parentOf[node] !== node) {
    parentOf[node] = parentOf[parentOf[node]!]!;
    node = parentOf[node]!;
  }
  return node;
}

/**
 * Groups trapped states into regions: states joined by edges (in either direction) form one
 * region, reported as its strongly connected components. Machine-level `on` edges lead from
 * every trapped state to each trapped target; one hub node stands for them so the subgraph
 * stays linear.
 */
export function trapRegions(graph: StateGraph, trapped: Uint8Array): TrapRegion[] {
  const { to, ownStart } = graph;
  const members = graph.states.flatMap((_, i) => (trapped[i] === 1 ? [i] : []));
  const local = new Map(members.map((state, i) => [state, i]));
  const trappedTargets = (first: number, end: number): number[] => {
    const targets: number[] = [];
    for (let edge = first; edge < end; edge++) if (trapped[to[edge]!] === 1) targets.push(local.get(to[edge]!)!);
    return targets;
  };
  const trappedEverywhere = trappedTargets(ownStart[graph.states.length]!, graph.deadlineStart);
  const hub = trappedEverywhere.length > 0 ? members.length : -1;
  const successors: number[][] = members.map((state) => {
    const targets = trappedTargets(ownStart[state]!, ownStart[state + 1]!);
    if (hub !== -1) targets.push(hub);
    return targets;
  });
  if (hub !== -1) successors.push(trappedEverywhere);

  const parentOf = successors.map((_, i) => i);
  for (const [from, targets] of successors.entries()) {
    for (const to of targets) parentOf[findRoot(parentOf, from)] = findRoot(parentOf, to);
  }

  const regionOfRoot = new Map<number, TrapRegion>();
  const regionOf = (node: number): TrapRegion => {
    const root = findRoot(parentOf, node);
    let region = regionOfRoot.get(root);
    if (region === undefined) regionOfRoot.set(root, (region = { states: [], parts: [] }));
    return region;
  };
  for (const [i, state] of members.entries()) regionOf(i).states.push(state);
  const { components } = stronglyConnectedComponents(successors);
  // Tarjan yields sinks first; reversed, parts come in the order flows pass them.
  for (const component of components.reverse()) {
    const states = component
      .filter((node) => node !== hub)
      .map((node) => members[node]!)
      .sort((a, b) => a - b);
    const first = states[0];
    if (first !== undefined) regionOf(local.get(first)!).parts.push(states);
  }
  return [...regionOfRoot.values()];
}
