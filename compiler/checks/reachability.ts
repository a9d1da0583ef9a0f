// Reachability: states no flow can enter (FSM201) and trapped regions no flow can leave except by the deadline (FSM202).
import type { Diagnostic, MachineAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { searchFromInitial, statesReachingFinal, type ForwardSearch } from "./graph-search.js";
import { buildStateGraph, edgeLabel, type StateGraph } from "./state-graph.js";
import { trapRegions, type TrapRegion } from "./trap-regions.js";

function checkUnreachable(graph: StateGraph, search: ForwardSearch): Diagnostic[] {
  // Nearly always every state is reachable: then there is no message to build.
  if (search.order.length === graph.states.length) return [];
  const initialName = graph.states[graph.initial]!.name.text;
  return graph.states.flatMap((state, i) =>
    search.reachable[i] === 1
      ? []
      : [
          diagnostic(
            "FSM201",
            graph.machine.file,
            state.name.range,
            `state '${state.name.text}' is unreachable: no transition, timer, deadline or machine-level 'on' leads to it from the initial state '${initialName}'; add a transition into it or remove it`,
          ),
        ],
  );
}

/** `Ringing -[Answered]-> Greeting -[after 10s]-> Hold`, following breadth-first parents back to the initial state. */
function shortestPathText(graph: StateGraph, search: ForwardSearch, to: number): string {
  const steps: string[] = [graph.states[to]!.name.text];
  for (let state = to; search.parentState[state]! !== -1; state = search.parentState[state]!) {
    steps.push(`-[${edgeLabel(graph, search.parentEdge[state]!)}]->`, graph.states[search.parentState[state]!]!.name.text);
  }
  return steps.reverse().join(" ");
}

/** Messages name at most this many states of a region (or of one of its parts); huge generated machines stay readable. */
const namesShown = 20;

function trapMessage(graph: StateGraph, search: ForwardSearch, region: TrapRegion, orderOf: readonly number[]): string {
  const names = (states: readonly number[]) => {
    const shown = states
      .slice(0, namesShown)
      .map((s) => graph.states[s]!.name.text)
      .join(", ");
    return states.length > namesShown ? `${shown} and ${states.length - namesShown} more` : shown;
  };
  const single = region.states.length === 1;
  const hasDeadline = graph.deadlineStart < graph.to.length;
  const entry = region.states.reduce((best, s) => (orderOf[s]! < orderOf[best]! ? s : best));
  const parts =
    region.parts.length > 1 ? ` Its strongly connected parts, in the order flows pass them: ${region.parts.map((p) => `{${names(p)}}`).join(", ")}.` : "";
  const path =
    entry === graph.initial
      ? ` The initial state ${graph.states[entry]!.name.text} is part of it.`
      : ` Shortest path from the initial state: ${shortestPathText(graph, search, entry)}.`;
  return (
    `${single ? "state" : "states"} ${names(region.states)} ${single ? "is a trap" : "form a trap"}: ` +
    `no final state can be reached from ${single ? "it" : "them"}${hasDeadline ? " except by the deadline" : ""}.` +
    parts +
    path +
    ` Add a transition from ${single ? "it" : "one of them"} towards a final state.`
  );
}

function checkTraps(graph: StateGraph, search: ForwardSearch): Diagnostic[] {
  // Without any final state every state is trapped; FSM107 already says so.
  if (!graph.isFinal.includes(1)) return [];
  const reaches = statesReachingFinal(graph);
  const trapped = new Uint8Array(graph.states.length);
  let anyTrapped = false;
  for (let i = 0; i < trapped.length; i++) {
    if (search.reachable[i] === 1 && reaches[i] === 0) {
      trapped[i] = 1;
      anyTrapped = true;
    }
  }
  if (!anyTrapped) return [];
  const orderOf = new Array<number>(graph.states.length).fill(Number.POSITIVE_INFINITY);
  for (const [position, state] of search.order.entries()) orderOf[state] = position;
  return trapRegions(graph, trapped).map((region) =>
    diagnostic("FSM202", graph.machine.file, graph.states[region.states[0]!]!.name.range, trapMessage(graph, search, region, orderOf)),
  );
}

/** The reachability family: FSM201 and FSM202 for each machine whose state graph is well formed. */
export function checkReachability(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => {
    const graph = buildStateGraph(machine);
    if (graph === undefined) return [];
    const search = searchFromInitial(graph);
    return [...checkUnreachable(graph, search), ...checkTraps(graph, search)];
  });
}
