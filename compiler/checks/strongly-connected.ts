// Tarjan's strongly connected components, iterative so that machines with thousands of states cannot overflow the stack.

export interface Components {
  /** Component number of each node. */
  componentOf: number[];
  /** Nodes of each component; components come out in reverse topological order (sinks first). */
  components: number[][];
}

/** `successors[n]` lists the nodes `n` has edges to; nodes are 0..successors.length-1. */
export function stronglyConnectedComponents(successors: readonly (readonly number[])[]): Components {
  const count = successors.length;
  const index = new Array<number>(count).fill(-1);
  const lowLink = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const componentOf = new Array<number>(count).fill(-1);
  const components: number[][] = [];
  const stack: number[] = [];
  // The explicit call stack: a node and the position of the next successor to visit.
  const callNode: number[] = [];
  const callNext: number[] = [];
  let nextIndex = 0;

  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    const enter = (node: number) => {
      index[node] = lowLink[node] = nextIndex++;
      stack.push(node);
      onStack[node] = true;
      callNode.push(node);
      callNext.push(0);
    };
    enter(root);
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const node = callNode[top]!;
      const edges = successors[node]!;
      const next = callNext[top]!;
      if (next < edges.length) {
        callNext[top] = next + 1;
        const to = edges[next]!;
        if (index[to] === -1) enter(to);
        else if (onStack[to]) lowLink[node] = Math.min(lowLink[node]!, index[to]!);
        continue;
      }
      callNode.pop();
      callNext.pop();
      const caller = callNode[callNode.length - 1];
      if (caller !== undefined) lowLink[caller] = Math.min(lowLink[caller]!, lowLink[node]!);
      if (lowLink[node] !== index[node]) continue;
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack[member] = false;
        componentOf[member] = components.length;
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  }
  return { componentOf, components };
}
