// The export names of a machine's module as the emitter prints them: the shared names, each first asserted to be a plain identifier.
import type { MachineAst } from "../../grammar/ast.js";
import { machineNames, type MachineNames } from "../module-names.js";
import { assertIdentifier } from "./names.js";

/**
 * `machineNames`, refusing a machine or event name that is not a plain identifier. Clashes between
 * the names are the checks' concern (FSM501): `compile` emits nothing when they report one.
 */
export function emittedMachineNames(machine: MachineAst): MachineNames {
  assertIdentifier(machine.name.text, "machine name");
  for (const event of machine.events) assertIdentifier(event.name.text, "event name");
  return machineNames(machine);
}
