// Renders a machine as a Mermaid `stateDiagram-v2`: initial and final markers, labelled transitions, timers and deadline.
import type { MachineAst } from "../../grammar/ast.js";
import { isIdentifier } from "../emit/names.js";
import { machineGraph, type GraphEdge } from "./machine-graph.js";

/** Mermaid treats these characters specially in labels; names are identifiers, so only defensive. */
function labelText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ").replace(/[;#:]/g, " ");
}

function stateId(name: string): string {
  if (!isIdentifier(name)) throw new Error(`state name ${JSON.stringify(name)} is not an identifier`);
  return name;
}

function edgeLabel(edge: GraphEdge): string {
  switch (edge.kind) {
    case "timer":
      return `⏱ ${edge.label}`;
    case "deadline":
      return `⏰ ${edge.label}`;
    default:
      return edge.label;
  }
}

/** The Mermaid text of `machine` (no code fence). */
export function renderMermaid(machine: MachineAst): string {
  const graph = machineGraph(machine);
  const names = new Set(graph.states.map((s) => s.name));
  // Machine-level clauses and the deadline leave every non-final state: drawn from one pseudo-state.
  let anyId = "any_state";
  while (names.has(anyId)) anyId += "_";
  const lines = ["stateDiagram-v2", `  %% ${labelText(graph.name)}`];
  const fromAny = graph.edges.some((e) => e.from === undefined);
  if (fromAny) {
    lines.push(`  state "any non-final state" as ${anyId}`);
    lines.push(`  class ${anyId} anyState`);
  }
  for (const state of graph.states) {
    const id = stateId(state.name);
    if (state.initial) lines.push(`  [*] --> ${id}`);
    if (state.entry.length > 0) lines.push(`  ${id} : entry / ${labelText(state.entry.join(", "))}`);
    if (state.exit.length > 0) lines.push(`  ${id} : exit / ${labelText(state.exit.join(", "))}`);
  }
  const internal: Map<string, string[]> = new Map();
  for (const edge of graph.edges) {
    if (edge.kind === "internal") {
      const list = internal.get(edge.to) ?? [];
      list.push(labelText(edge.label));
      internal.set(edge.to, list);
      continue;
    }
    const from = edge.from === undefined ? anyId : stateId(edge.from);
    lines.push(`  ${from} --> ${stateId(edge.to)} : ${labelText(edgeLabel(edge))}`);
  }
  for (const state of graph.states) if (state.final) lines.push(`  ${stateId(state.name)} --> [*]`);
  for (const [state, labels] of internal) {
    lines.push(`  note right of ${stateId(state)}`);
    for (const label of labels) lines.push(`    internal: ${label}`);
    lines.push("  end note");
  }
  if (fromAny) lines.push("  classDef anyState stroke-dasharray: 5 5");
  return `${lines.join("\n")}\n`;
}
