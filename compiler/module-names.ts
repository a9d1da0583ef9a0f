// The file and export names of a machine's generated module: one definition for the emitter and for the check that they never clash (FSM501).
import type { MachineAst, Name } from "../grammar/ast.js";

/** The types every generated module may import from `@fsmc/runtime`. */
export const runtimeTypes = ["ActionIO", "DeadlineEvent", "MachineDefinition", "StartEvent", "TimerEvent"] as const;

/** The module that re-exports every machine module. */
export const indexModulePath = "index.ts";

/** The exported names of one machine's module. */
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

/** `InboundCall` → `inbound-call`, `IVRMenu` → `ivr-menu`, `Call_V2` → `call-v2`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])(?=[A-Z][a-z])/g, "$1-")
    .replace(/_+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/-+/g, "-")
    .toLowerCase();
}

/** The module file name of a machine: the kebab-case of its name. */
export function machineFileName(machineName: string): string {
  return `${kebabCase(machineName)}.ts`;
}

/** The names a machine's module exports, derived from the machine's and its events' names verbatim. */
export function machineNames(machine: MachineAst): MachineNames {
  const m = machine.name.text;
  return {
    definition: m,
    state: `${m}State`,
    event: `${m}Event`,
    context: `${m}Context`,
    startContext: `${m}StartContext`,
    handlers: `${m}Handlers`,
    guard: `${m}Guard`,
    action: `${m}Action`,
    events: new Map(machine.events.map((e) => [e.name.text, `${m}${e.name.text}Event`])),
  };
}

/** Every name the module of a machine exports. */
export function exportedNames(names: MachineNames): string[] {
  return [names.definition, names.state, names.event, names.context, names.startContext, names.handlers, names.guard, names.action, ...names.events.values()];
}

/** One exported name, what it is in the module, and the name in the spec it is made from. */
export interface ExportedName {
  text: string;
  /** What the export is, as messages say it: "its state union", "the interface of its event 'Answered'". */
  what: string;
  /** The machine's name, or the event's for an event interface. */
  origin: Name;
}

/** `exportedNames` with where each comes from; an event declared twice (FSM101) counts once. */
export function describedExports(machine: MachineAst): ExportedName[] {
  const names = machineNames(machine);
  const own = (text: string, what: string): ExportedName => ({ text, what, origin: machine.name });
  const described = [
    own(names.definition, "its definition"),
    own(names.state, "its state union"),
    own(names.event, "its event union"),
    own(names.context, "its context type"),
    own(names.startContext, "its start-context type"),
    own(names.handlers, "its handlers type"),
    own(names.guard, "its guard type"),
    own(names.action, "its action type"),
  ];
  const seen = new Set<string>();
  for (const event of machine.events) {
    if (seen.has(event.name.text)) continue;
    seen.add(event.name.text);
    described.push({ text: names.events.get(event.name.text)!, what: `the interface of its event '${event.name.text}'`, origin: event.name });
  }
  return described;
}
