// Structure checks: exactly one initial state (FSM104), final states without outgoing clauses (FSM106), at least one final state (FSM107), no initial final state (FSM109).
import type { Diagnostic, MachineAst, StateAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { keywordRange, positionText } from "./ranges.js";

function checkNoInitial(machine: MachineAst): Diagnostic[] {
  if (machine.states.some((s) => s.initial !== undefined)) return [];
  return [
    diagnostic(
      "FSM104",
      machine.file,
      machine.name.range,
      `machine '${machine.name.text}' has no initial state; mark the state flows start in with 'initial state'`,
    ),
  ];
}

function checkExtraInitials(machine: MachineAst): Diagnostic[] {
  const initials = machine.states.filter((s): s is StateAst & { initial: NonNullable<StateAst["initial"]> } => s.initial !== undefined);
  const [first, ...extra] = initials;
  return extra.map((state) =>
    diagnostic(
      "FSM104",
      machine.file,
      state.initial,
      `state '${state.name.text}' is marked initial, but '${first!.name.text}' (at ${positionText(first!.name.range)}) already is; a machine has exactly one initial state`,
    ),
  );
}

function checkFinalStateClauses(machine: MachineAst, state: StateAst): Diagnostic[] {
  if (state.final === undefined) return [];
  const why = `final state '${state.name.text}' ends the flow`;
  const found: Diagnostic[] = [];
  for (const clause of state.clauses) {
    const keyword = clause.trigger.kind === "event" ? "on" : "after";
    found.push(
      diagnostic(
        "FSM106",
        machine.file,
        keywordRange(clause.range, keyword),
        `${why}, so its '${keyword}' clause can never run; remove the clause or make the state non-final`,
      ),
    );
  }
  for (const exit of state.exits) {
    found.push(
      diagnostic(
        "FSM106",
        machine.file,
        keywordRange(exit.range, "exit"),
        `${why} and is never left, so its 'exit' actions can never run; move them to 'entry' or make the state non-final`,
      ),
    );
  }
  return found;
}

function checkHasFinalState(machine: MachineAst): Diagnostic[] {
  if (machine.states.some((s) => s.final !== undefined)) return [];
  return [
    diagnostic(
      "FSM107",
      machine.file,
      machine.name.range,
      `machine '${machine.name.text}' has no final state, so its flows can never end; declare at least one 'final state'`,
    ),
  ];
}

function checkInitialAndFinal(machine: MachineAst, state: StateAst): Diagnostic[] {
  if (state.initial === undefined || state.final === undefined) return [];
  return [
    diagnostic(
      "FSM109",
      machine.file,
      state.final,
      `state '${state.name.text}' is both initial and final: a flow would end as soon as it starts; remove 'initial' or 'final'`,
    ),
  ];
}

/** FSM104 (a second initial state), FSM106 and FSM109: what is wrong with the states as written. */
export function checkStructure(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => [
    ...checkExtraInitials(machine),
    ...machine.states.flatMap((state) => [...checkFinalStateClauses(machine, state), ...checkInitialAndFinal(machine, state)]),
  ]);
}

/** FSM104 (no initial state) and FSM107: states a machine lacks, so only meaningful for a machine parsed whole. */
export function checkRequiredStates(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => [...checkNoInitial(machine), ...checkHasFinalState(machine)]);
}
