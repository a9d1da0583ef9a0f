// Migrations: each `migrate from N` block names an older version (FSM701) once (FSM702), moves flows to declared states (FSM703) and maps an old state once (FSM704); against the older spec (`--previous`) it names that version's states (FSM705) and maps those this version lacks (FSM706).
import type { Diagnostic, MachineAst, MigrationAst, Name } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { didYouMean } from "./closest-name.js";
import { positionText } from "./ranges.js";

/** The version flows of `machine` run on: `version N`, or 1 when none is written (docs/language.md). */
function versionOf(machine: MachineAst): number {
  return machine.version?.value ?? 1;
}

function blockText(migration: MigrationAst): string {
  return `'migrate from ${migration.from.value}'`;
}

function stateNames(machine: MachineAst): Set<string> {
  const names = new Set<string>();
  for (const state of machine.states) names.add(state.name.text);
  return names;
}

function checkNotOlder(machine: MachineAst, migration: MigrationAst, found: Diagnostic[]): void {
  const version = versionOf(machine);
  if (migration.from.value < version) return;
  const why =
    machine.version === undefined
      ? `machine '${machine.name.text}' has no 'version', so it is version 1; give it the version it is deployed as, higher than ${migration.from.value}`
      : `machine '${machine.name.text}' is version ${version}; name the older version whose flows move, or raise 'version'`;
  found.push(diagnostic("FSM701", machine.file, migration.from.range, `${blockText(migration)} must name a version older than this one, but ${why}`));
}

function checkMappedOnce(machine: MachineAst, migration: MigrationAst, found: Diagnostic[]): void {
  const first = new Map<string, Name>();
  for (const mapping of migration.states) {
    const earlier = first.get(mapping.old.text);
    if (earlier === undefined) {
      first.set(mapping.old.text, mapping.old);
      continue;
    }
    found.push(
      diagnostic(
        "FSM704",
        machine.file,
        mapping.old.range,
        `state '${mapping.old.text}' is mapped twice in ${blockText(migration)} (first at ${positionText(earlier.range)}); a flow moves to one state, so keep one mapping`,
      ),
    );
  }
}

/** FSM701, FSM702 and FSM704: what is wrong with the blocks as written, whatever else the machine declares. */
export function checkMigrations(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const machine of machines) {
    if (machine.migrations.length === 0) continue;
    const blocks = new Map<number, MigrationAst>();
    for (const migration of machine.migrations) {
      checkNotOlder(machine, migration, found);
      const earlier = blocks.get(migration.from.value);
      if (earlier === undefined) {
        blocks.set(migration.from.value, migration);
      } else {
        found.push(
          diagnostic(
            "FSM702",
            machine.file,
            migration.from.range,
            `machine '${machine.name.text}' already has ${blockText(migration)} (at ${positionText(earlier.range)}); flows of version ${migration.from.value} move by one block, so merge the two`,
          ),
        );
      }
      checkMappedOnce(machine, migration, found);
    }
  }
  return found;
}

/** FSM703: every migration target is a state of the machine; only meaningful for machines parsed whole, whose states are all known. */
export function checkMigrationTargets(machines: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const machine of machines) {
    if (machine.migrations.length === 0) continue;
    const states = stateNames(machine);
    for (const migration of machine.migrations) {
      for (const { old, target } of migration.states) {
        if (states.has(target.text)) continue;
        found.push(
          diagnostic(
            "FSM703",
            machine.file,
            target.range,
            `${blockText(migration)} moves flows in '${old.text}' to undeclared state '${target.text}'${didYouMean(target.text, states) || "; declare the state or correct the name"}`,
          ),
        );
      }
    }
  }
  return found;
}

/** `name` and `version` as one map key: a name never holds a NUL. */
function versionKey(name: string, version: number): string {
  return `${name}\u0000${version}`;
}

/**
 * FSM705 and FSM706: each `migrate from N` block against version N of its machine among `previous` (the older
 * specs, matched by machine name and version; a block with no such machine is not judged). FSM706 reports states
 * a block leaves out, so only for machines of `intact` (parsed whole: no mapping lost to a syntax error).
 */
export function checkMigrationsAgainstPrevious(machines: readonly MachineAst[], intact: readonly MachineAst[], previous: readonly MachineAst[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  const olderVersions = new Map<string, MachineAst>();
  for (const machine of previous) {
    const key = versionKey(machine.name.text, versionOf(machine));
    if (!olderVersions.has(key)) olderVersions.set(key, machine);
  }
  const whole = new Set(intact);
  for (const machine of machines) {
    if (machine.migrations.length === 0) continue;
    let states: Set<string> | undefined;
    for (const migration of machine.migrations) {
      const older = olderVersions.get(versionKey(machine.name.text, migration.from.value));
      if (older === undefined) continue;
      const olderStates = stateNames(older);
      const mapped = new Set<string>();
      for (const { old } of migration.states) {
        mapped.add(old.text);
        if (olderStates.has(old.text)) continue;
        found.push(
          diagnostic(
            "FSM705",
            machine.file,
            old.range,
            `${blockText(migration)} maps '${old.text}', which is not a state of version ${migration.from.value} of '${machine.name.text}' (${older.file})${didYouMean(old.text, olderStates) || "; correct the name or remove the mapping"}`,
          ),
        );
      }
      if (!whole.has(machine)) continue;
      states ??= stateNames(machine);
      for (const state of older.states) {
        const name = state.name.text;
        // A flow in a final state has ended: there is nothing left to move.
        if (state.final !== undefined || states.has(name) || mapped.has(name)) continue;
        found.push(
          diagnostic(
            "FSM706",
            machine.file,
            migration.from.range,
            `state '${name}' of version ${migration.from.value} (${older.file}:${positionText(state.name.range)}) is not a state of version ${versionOf(machine)} and ${blockText(migration)} does not map it: flows in '${name}' finish on version ${migration.from.value}; map it ('${name} -> State') to move them`,
          ),
        );
      }
    }
  }
  return found;
}
