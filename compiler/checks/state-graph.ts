// The state graph of one machine as adjacency lists, the input of the reachability and liveness analyses.
import type { ClauseAst, MachineAst, StateAst } from "../ast.js";

export interface Edge {
  to: number;
  /** How the edge is taken, as paths print it: `Answered`, `after 10s`, `deadline 2h`. */
  label: string;
}

/**
 * States are numbered by source order. Machine-level `on` clauses and the deadline lead from
 * every non-final state; they are kept as one shared list each instead of being copied to
 * every state, so the graph stays linear in the size of the source.
 */
export interface StateGraph {
  machine: MachineAst;
  states: readonly StateAst[];
  initial: number;
  isFinal: readonly boolean[];
  /** Edges of each state's own `on`/`after` clauses; empty for final states, which are never left. */
  own: readonly (readonly Edge[])[];
  /** Machine-level `on` edges, leaving every non-final state. */
  everywhere: readonly Edge[];
  /** Deadline edges, leaving every non-final state. */
  deadline: readonly Edge[];
}

function clauseLabel(clause: ClauseAst): string {
  return clause.trigger.kind === "event" ? clause.trigger.event.text : `after ${clause.trigger.duration.text}`;
}

/**
 * Builds the graph, or returns undefined when the machine's structure makes a graph
 * meaningless (no single initial state, a state declared twice, an undeclared target):
 * those errors are reported by other checks and graph diagnostics would only add noise.
 */
export function buildStateGraph(machine: MachineAst): StateGraph | undefined {
  const index = new Map<string, number>();
  for (const [i, state] of machine.states.entries()) {
    if (index.has(state.name.text)) return undefined;
    index.set(state.name.text, i);
  }
  const initials = machine.states.flatMap((s, i) => (s.initial === undefined ? [] : [i]));
  const initial = initials[0];
  if (initial === undefined || initials.length > 1) return undefined;

  let resolvable = true;
  const edge = (target: string, label: string): Edge => {
    const to = index.get(target);
    if (to === undefined) resolvable = false;
    return { to: to ?? -1, label };
  };
  const isFinal = machine.states.map((s) => s.final !== undefined);
  const own = machine.states.map((state, i) =>
    isFinal[i] ? [] : state.clauses.flatMap((c) => (c.target === undefined ? [] : [edge(c.target.text, clauseLabel(c))])),
  );
  const everywhere = machine.anyOns.flatMap((c) => (c.target === undefined ? [] : [edge(c.target.text, clauseLabel(c))]));
  const deadline = machine.deadlines.map((d) => edge(d.target.text, `deadline ${d.duration.text}`));
  if (!resolvable) return undefined;
  return { machine, states: machine.states, initial, isFinal, own, everywhere, deadline };
}
