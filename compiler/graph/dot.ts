// Renders a machine as a Graphviz `digraph`: initial point, double-bordered finals, dashed timers, red deadline.
import type { MachineAst } from "../../grammar/ast.js";
import { machineGraph, type EdgeKind } from "./machine-graph.js";

/** A DOT quoted string: only `"` and `\` need escaping; line breaks become DOT's centred `\n`. */
function quoted(text: string): string {
  const escaped = text
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, "")
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r?\n/g, "\\n");
  return `"${escaped}"`;
}

const edgeStyle: Record<EdgeKind, string> = {
  event: "",
  timer: ', style=dashed, color="#1f6feb", fontcolor="#1f6feb"',
  deadline: ', style=bold, color="#cf222e", fontcolor="#cf222e"',
  internal: ", style=dotted, arrowhead=none",
};

/** The DOT text of `machine`. Pseudo-node ids contain `:` so they can never collide with a state name. */
export function renderDot(machine: MachineAst): string {
  const graph = machineGraph(machine);
  const start = quoted("fsmc:start");
  const any = quoted("fsmc:any");
  const lines = [
    `digraph ${quoted(graph.name)} {`,
    "  rankdir=LR;",
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    `  ${start} [shape=point, width=0.2, label=""];`,
  ];
  for (const state of graph.states) {
    const extra = [state.entry.length > 0 ? `entry / ${state.entry.join(", ")}` : "", state.exit.length > 0 ? `exit / ${state.exit.join(", ")}` : ""].filter(
      Boolean,
    );
    const label = [state.name, ...extra].join("\n");
    const shape = state.final ? ", peripheries=2" : "";
    lines.push(`  ${quoted(state.name)} [label=${quoted(label)}${shape}];`);
    if (state.initial) lines.push(`  ${start} -> ${quoted(state.name)};`);
  }
  if (graph.edges.some((e) => e.from === undefined)) lines.push(`  ${any} [label="any non-final state", shape=box, style=dashed];`);
  for (const edge of graph.edges) {
    const from = edge.from === undefined ? any : quoted(edge.from);
    lines.push(`  ${from} -> ${quoted(edge.to)} [label=${quoted(edge.label)}${edgeStyle[edge.kind]}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
