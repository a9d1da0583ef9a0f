// A machine drawn as SVG on the server, with no layout engine: states in layers by distance from the initial state, transitions as arrows, a count on each state.
import type { MachineGraph } from "../../graph/machine-graph.js";
import { escapeHtml } from "./escape.js";

const NODE_HEIGHT = 44;
const LAYER_GAP = 90;
const NODE_GAP = 40;
const MARGIN = 24;
const CHAR_WIDTH = 7.5;

interface Placed {
  name: string;
  x: number;
  y: number;
  width: number;
  initial: boolean;
  final: boolean;
}

/** Layer of each state: its distance from the initial state over state-to-state transitions; states reached only otherwise go below. */
function layers(graph: MachineGraph): Map<string, number> {
  const layer = new Map<string, number>();
  const initial = graph.states.find((s) => s.initial) ?? graph.states[0];
  if (!initial) return layer;
  layer.set(initial.name, 0);
  const queue = [initial.name];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of graph.edges) {
      if (edge.from !== from || edge.kind === "internal" || layer.has(edge.to)) continue;
      layer.set(edge.to, layer.get(from)! + 1);
      queue.push(edge.to);
    }
  }
  const deepest = Math.max(0, ...layer.values());
  for (const state of graph.states) if (!layer.has(state.name)) layer.set(state.name, deepest + 1);
  return layer;
}

function place(graph: MachineGraph): { nodes: Map<string, Placed>; width: number; height: number } {
  const layerOf = layers(graph);
  const rows = new Map<number, Placed[]>();
  for (const state of graph.states) {
    const row = layerOf.get(state.name)!;
    const width = Math.max(96, Math.round(state.name.length * CHAR_WIDTH + 56));
    const placed = { name: state.name, x: 0, y: MARGIN + row * (NODE_HEIGHT + LAYER_GAP), width, initial: state.initial, final: state.final };
    rows.set(row, [...(rows.get(row) ?? []), placed]);
  }
  const rowWidth = (row: Placed[]) => row.reduce((sum, n) => sum + n.width, 0) + NODE_GAP * (row.length - 1);
  const width = Math.max(240, ...[...rows.values()].map(rowWidth)) + 2 * MARGIN;
  const nodes = new Map<string, Placed>();
  for (const row of rows.values()) {
    let x = (width - rowWidth(row)) / 2;
    for (const node of row) {
      node.x = x;
      x += node.width + NODE_GAP;
      nodes.set(node.name, node);
    }
  }
  const height = MARGIN * 2 + (Math.max(0, ...rows.keys()) + 1) * (NODE_HEIGHT + LAYER_GAP) - LAYER_GAP;
  return { nodes, width, height };
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The SVG of a machine. Each state is a `<g class="state" data-state="…">` holding a
 * `<text class="count">` with the state's live flows (`counts`), which the overview page keeps current.
 * Transitions from any state (machine-level `on`, the deadline) and internal ones are listed below the drawing.
 */
export function renderMachineSvg(graph: MachineGraph, counts: Record<string, number> = {}): string {
  const { nodes, width, height } = place(graph);
  const parts: string[] = [];
  const labelled = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.from === undefined || edge.kind === "internal") continue;
    const key = `${edge.from}\u0000${edge.to}`;
    labelled.set(key, [...(labelled.get(key) ?? []), edge.label]);
  }
  let loops = 0;
  for (const [key, labels] of labelled) {
    const [fromName, toName] = key.split("\u0000") as [string, string];
    const from = nodes.get(fromName);
    const to = nodes.get(toName);
    if (!from || !to) continue;
    const label = escapeHtml(labels.join("; "));
    const cls = `edge${labels.every((l) => l.startsWith("after ")) ? " timer" : ""}`;
    if (from === to) {
      // A self-transition: a loop on the right of the box.
      const x = from.x + from.width;
      const y = from.y + NODE_HEIGHT / 2;
      parts.push(
        `<path class="${cls}" d="M${round(x)},${round(y - 10)} C${round(x + 40)},${round(y - 30)} ${round(x + 40)},${round(y + 30)} ${round(x)},${round(y + 10)}" marker-end="url(#arrow)"><title>${label}</title></path>`,
      );
      parts.push(`<text class="edge-label" x="${round(x + 42)}" y="${round(y + 4)}">${label}</text>`);
      loops++;
      continue;
    }
    const down = to.y > from.y;
    const x1 = from.x + from.width / 2;
    const x2 = to.x + to.width / 2;
    const y1 = down ? from.y + NODE_HEIGHT : from.y;
    const y2 = down ? to.y : to.y + NODE_HEIGHT;
    if (down) {
      parts.push(`<path class="${cls}" d="M${round(x1)},${round(y1)} L${round(x2)},${round(y2)}" marker-end="url(#arrow)"><title>${label}</title></path>`);
      parts.push(`<text class="edge-label" x="${round((x1 + x2) / 2 + 6)}" y="${round((y1 + y2) / 2)}">${label}</text>`);
    } else {
      // Back or sideways: a curve bulging to the left, so it does not lie on the forward arrows.
      const bend = 60 + (Math.abs(from.y - to.y) / (NODE_HEIGHT + LAYER_GAP)) * 20;
      const cx = Math.min(x1, x2) - bend;
      const cy = (y1 + y2) / 2;
      parts.push(
        `<path class="${cls}" d="M${round(x1 - 8)},${round(y1)} Q${round(cx)},${round(cy)} ${round(x2 - 8)},${round(y2)}" marker-end="url(#arrow)"><title>${label}</title></path>`,
      );
      parts.push(`<text class="edge-label" x="${round(cx + 4)}" y="${round(cy)}">${label}</text>`);
    }
  }
  for (const node of nodes.values()) {
    const name = escapeHtml(node.name);
    const n = counts[node.name] ?? 0;
    const cls = `state${node.initial ? " initial" : ""}${node.final ? " final" : ""}${n > 0 ? " busy" : ""}`;
    parts.push(
      `<g class="${cls}" data-state="${name}"><rect x="${round(node.x)}" y="${node.y}" width="${node.width}" height="${NODE_HEIGHT}" rx="${node.final ? 4 : 14}"/>` +
        `<text class="name" x="${round(node.x + 12)}" y="${node.y + 27}">${name}</text>` +
        `<text class="count" x="${round(node.x + node.width - 12)}" y="${node.y + 27}" text-anchor="end">${n}</text></g>`,
    );
  }
  const extraWidth = loops > 0 ? 200 : 0;
  const defs =
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" width="${width + extraWidth}" height="${height}" viewBox="0 0 ${width + extraWidth} ${height}" role="img" aria-label="states of ${escapeHtml(graph.name)}">${defs}${parts.join("")}</svg>`;
  const notes = graph.edges
    .filter((e) => e.from === undefined || e.kind === "internal")
    .map(
      (e) =>
        `<li>${e.from === undefined ? "from any state" : `in ${escapeHtml(e.from)}`}: ${escapeHtml(e.label)}${e.kind === "internal" ? "" : ` → ${escapeHtml(e.to)}`}</li>`,
    );
  return notes.length > 0 ? `${svg}<ul class="notes">${notes.join("")}</ul>` : svg;
}
