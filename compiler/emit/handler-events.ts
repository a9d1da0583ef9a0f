// Which events can reach each guard and action of a machine: the event type of every handler parameter.
import type { ClauseAst, GuardExprAst, MachineAst } from "../../grammar/ast.js";
import { normaliseDuration } from "./duration.js";

/** What makes a handler run: a declared event, a state's timer, the deadline, or the flow's start. */
export type Trigger = { kind: "start" } | { kind: "event"; event: string } | { kind: "timer"; state: string } | { kind: "deadline" };

export interface HandlerReach {
  /** Distinct triggers, in a stable order: start, events in declaration order, timers by state, deadline. */
  triggers: Trigger[];
  /** Human-readable places the handler is used, for its TSDoc. */
  uses: string[];
}

export interface MachineHandlers {
  guards: Map<string, HandlerReach>;
  actions: Map<string, HandlerReach>;
}

function triggerKey(trigger: Trigger): string {
  switch (trigger.kind) {
    case "start":
    case "deadline":
      return trigger.kind;
    case "event":
      return `event:${trigger.event}`;
    case "timer":
      return `timer:${trigger.state}`;
  }
}

function clauseTrigger(clause: ClauseAst, state: string | undefined): Trigger {
  if (clause.trigger.kind === "event") return { kind: "event", event: clause.trigger.event.text };
  // Timer clauses only exist inside states; the parser never produces a machine-level `after`.
  return { kind: "timer", state: state ?? "" };
}

function clauseUse(clause: ClauseAst, state: string | undefined): string {
  const where = state === undefined ? "any state" : `\`${state}\``;
  const trigger = clause.trigger.kind === "event" ? `on \`${clause.trigger.event.text}\`` : `after ${normaliseDuration(clause.trigger.duration.ms)}`;
  return `${where}: ${trigger}`;
}

function guardRefs(guard: GuardExprAst, into: string[]): string[] {
  if (guard.kind === "ref") into.push(guard.name.text);
  else if (guard.kind === "not") guardRefs(guard.operand, into);
  else for (const operand of guard.operands) guardRefs(operand, into);
  return into;
}

/** Computes, for every guard and action name used in `machine`, the triggers that can reach it. */
export function machineHandlers(machine: MachineAst): MachineHandlers {
  const eventRank = new Map(machine.events.map((e, i) => [e.name.text, i]));
  const stateRank = new Map(machine.states.map((s, i) => [s.name.text, i]));
  const rank = (t: Trigger): number => {
    switch (t.kind) {
      case "start":
        return 0;
      case "event":
        return 1 + (eventRank.get(t.event) ?? machine.events.length);
      case "timer":
        return 2 + machine.events.length + (stateRank.get(t.state) ?? machine.states.length);
      case "deadline":
        return 3 + machine.events.length + machine.states.length;
    }
  };

  const collected = { guards: new Map<string, Map<string, Trigger>>(), actions: new Map<string, Map<string, Trigger>>() };
  const uses = { guards: new Map<string, Set<string>>(), actions: new Map<string, Set<string>>() };
  const reach = (kind: "guards" | "actions", name: string, triggers: readonly Trigger[], use: string) => {
    let set = collected[kind].get(name);
    if (!set) collected[kind].set(name, (set = new Map()));
    for (const t of triggers) set.set(triggerKey(t), t);
    let places = uses[kind].get(name);
    if (!places) uses[kind].set(name, (places = new Set()));
    places.add(use);
  };

  const entryTriggers = new Map<string, Trigger[]>();
  const exitTriggers = new Map<string, Trigger[]>();
  const add = (map: Map<string, Trigger[]>, state: string, trigger: Trigger) => {
    const list = map.get(state) ?? [];
    list.push(trigger);
    map.set(state, list);
  };

  const deadline = machine.deadlines[0];
  const clauseHandlers = (clause: ClauseAst, state: string | undefined) => {
    const trigger = clauseTrigger(clause, state);
    const use = clauseUse(clause, state);
    if (clause.guard && clause.guard.kind !== "else") for (const g of guardRefs(clause.guard, [])) reach("guards", g, [trigger], use);
    for (const a of clause.actions) reach("actions", a.text, [trigger], use);
    return trigger;
  };

  for (const state of machine.states) {
    const name = state.name.text;
    if (state.initial) add(entryTriggers, name, { kind: "start" });
    for (const clause of state.clauses) {
      const trigger = clauseHandlers(clause, name);
      if (clause.target) {
        add(entryTriggers, clause.target.text, trigger);
        add(exitTriggers, name, trigger);
      }
    }
  }
  for (const clause of machine.anyOns) {
    const trigger = clauseHandlers(clause, undefined);
    if (clause.target) add(entryTriggers, clause.target.text, trigger);
    for (const state of machine.states) if (!state.final) add(exitTriggers, state.name.text, trigger);
  }
  if (deadline) {
    const trigger: Trigger = { kind: "deadline" };
    for (const a of deadline.actions) reach("actions", a.text, [trigger], `deadline ${normaliseDuration(deadline.duration.ms)}`);
    add(entryTriggers, deadline.target.text, trigger);
    for (const state of machine.states) if (!state.final) add(exitTriggers, state.name.text, trigger);
  }
  for (const state of machine.states) {
    const name = state.name.text;
    for (const list of state.entries) for (const a of list.actions) reach("actions", a.text, entryTriggers.get(name) ?? [], `\`${name}\`: entry`);
    for (const list of state.exits) for (const a of list.actions) reach("actions", a.text, exitTriggers.get(name) ?? [], `\`${name}\`: exit`);
  }

  const finish = (kind: "guards" | "actions") =>
    new Map(
      [...collected[kind].entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, set]) => [name, { triggers: [...set.values()].sort((x, y) => rank(x) - rank(y)), uses: [...(uses[kind].get(name) ?? [])] }]),
    );
  return { guards: finish("guards"), actions: finish("actions") };
}
