// The names a machine's generated module declares and exports, checked for clashes before anything is written.
import type { MachineAst } from "../ast.js";
import { assertIdentifier, EmitNameError } from "./names.js";

/** The exported names of one machine's module (see ARCHITECTURE.md "Public surface"). */
export interface MachineNames {
  definition: string;
  state: string;
  event: string;
  context: string;
  startContext: string;
  handlers: string;
  guard: string;
  action: string;
  /** Event name → name of that event's own interface. */
  events: Map<string, string>;
}

/** The types every generated module may import from `fsmc/runtime`. */
export const runtimeTypes = ["ActionIO", "DeadlineEvent", "MachineDefinition", "StartEvent", "TimerEvent"] as const;

/** Every name the module of a machine exports. */
export function exportedNames(names: MachineNames): string[] {
  return [names.definition, names.state, names.event, names.context, names.startContext, names.handlers, names.guard, names.action, ...names.events.values()];
}

export function machineNames(machine: MachineAst): MachineNames {
  const m = assertIdentifier(machine.name.text, "machine name");
  const names: MachineNames = {
    definition: m,
    state: `${m}State`,
    event: `${m}Event`,
    context: `${m}Context`,
    startContext: `${m}StartContext`,
    handlers: `${m}Handlers`,
    guard: `${m}Guard`,
    action: `${m}Action`,
    events: new Map(machine.events.map((e) => [e.name.text, `${m}${assertIdentifier(e.name.text, "event name")}Event`])),
  };
  const all = [...runtimeTypes, ...exportedNames(names)];
  const seen = new Set<string>();
  for (const name of all) {
    if (seen.has(name)) throw new EmitNameError(`machine ${m}: the generated name ${name} would be declared twice; rename the machine or the event`);
    seen.add(name);
  }
  return names;
}
