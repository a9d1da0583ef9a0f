// Specification of the iterative Tarjan algorithm the trap analysis groups states with.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { stronglyConnectedComponents } from "../../compiler/checks/strongly-connected.js";

function sortedComponents(successors: number[][]): number[][] {
  return stronglyConnectedComponents(successors).components.map((c) => [...c].sort((a, b) => a - b));
}

test("a cycle is one component and a node outside it is another", () => {
  // 0 → 1 → 2 → 0, 2 → 3
  assert.equal(sortedComponents([[1], [2], [0, 3], []]), [[3], [0, 1, 2]]);
});

test("components come out sinks first (reverse topological order)", () => {
  // {0,1} → {2} → {3,4}
  const { components, componentOf } = stronglyConnectedComponents([[1], [0, 2], [3], [4], [3]]);
  assert.is(components.length, 3);
  assert.ok(componentOf[3]! < componentOf[2]! && componentOf[2]! < componentOf[0]!, JSON.stringify(componentOf));
});

test("a self-loop is a component of its own node", () => {
  assert.equal(sortedComponents([[0], []]), [[0], [1]]);
});

test("a 200,000-node cycle is one component, found without exhausting the stack", () => {
  const count = 200_000;
  const successors = Array.from({ length: count }, (_, i) => [(i + 1) % count]);
  const { components } = stronglyConnectedComponents(successors);
  assert.is(components.length, 1);
  assert.is(components[0]!.length, count);
});

test.run();
