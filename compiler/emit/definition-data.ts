// The definition object of a machine as plain data: the transition table, timers, deadline, defaults and schemas.
import type { ClauseAst, GuardAst, GuardExprAst, MachineAst, MigrationAst } from "../../grammar/ast.js";
import { contentHash } from "./definition-hash.js";
import { normaliseDuration } from "./duration.js";
import { literalValue, objectSchema } from "./field-types.js";
import { machineHandlers, type MachineHandlers } from "./handler-events.js";
import { ownEntry, recordOf, setEntry, type DataRecord } from "./record.js";

type GuardValue = { ref: string } | { not: GuardValue } | { and: GuardValue[] } | { or: GuardValue[] };

interface ClauseValue {
  guard?: GuardValue | "else";
  target?: string;
  actions: string[];
}

function guardValue(guard: GuardExprAst): GuardValue {
  switch (guard.kind) {
    case "ref":
      return { ref: guard.name.text };
    case "not":
      return { not: guardValue(guard.operand) };
    case "and":
      return { and: guard.operands.map(guardValue) };
    case "or":
      return { or: guard.operands.map(guardValue) };
  }
}

function clauseGuard(guard: GuardAst): GuardValue | "else" {
  return guard.kind === "else" ? "else" : guardValue(guard);
}

function clauseValue(clause: { guard?: GuardAst; target?: { text: string }; actions: { text: string }[] }): ClauseValue {
  // Key order is fixed (guard, target, actions) so the emitted table reads the same way as the spec.
  return {
    ...(clause.guard ? { guard: clauseGuard(clause.guard) } : {}),
    ...(clause.target ? { target: clause.target.text } : {}),
    actions: clause.actions.map((a) => a.text),
  };
}

function byEvent(clauses: readonly ClauseAst[]): DataRecord<ClauseValue[]> {
  const on: DataRecord<ClauseValue[]> = {};
  for (const clause of clauses) {
    if (clause.trigger.kind !== "event") continue;
    const event = clause.trigger.event.text;
    const list = ownEntry(on, event) ?? [];
    list.push(clauseValue(clause));
    setEntry(on, event, list);
  }
  return on;
}

function timers(state: string, clauses: readonly ClauseAst[]): { id: string; ms: number; clauses: ClauseValue[] }[] {
  const byMs = new Map<number, { id: string; ms: number; clauses: ClauseValue[] }>();
  for (const clause of clauses) {
    if (clause.trigger.kind !== "after") continue;
    const ms = clause.trigger.duration.ms;
    let timer = byMs.get(ms);
    if (!timer) byMs.set(ms, (timer = { id: `${state}/${normaliseDuration(ms)}`, ms, clauses: [] }));
    timer.clauses.push(clauseValue(clause));
  }
  return [...byMs.values()];
}

/** `{ from, states }` of one block; the old states a block leaves out are the runtime's to match by name. */
function migrationValue(migration: MigrationAst): { from: number; states: DataRecord<string> } {
  return { from: migration.from.value, states: recordOf(migration.states.map((m) => [m.old.text, m.target.text])) };
}

/**
 * The value of the machine's definition object, in the shape of `MachineDefinition` (runtime/definition.ts), with its
 * content hash last: over everything before it, so the hash is what the runtime computes from the loaded module.
 */
export function definitionData(machine: MachineAst, handlers: MachineHandlers = machineHandlers(machine)): DataRecord {
  const data = definitionFields(machine, handlers);
  return { ...data, hash: contentHash(data) };
}

function definitionFields(machine: MachineAst, handlers: MachineHandlers): DataRecord {
  const initial = machine.states.find((s) => s.initial);
  const deadline = machine.deadlines[0];
  const fields = machine.context;
  return {
    name: machine.name.text,
    version: machine.version?.value ?? 1,
    initial: initial?.name.text ?? "",
    finals: machine.states.filter((s) => s.final).map((s) => s.name.text),
    states: recordOf(
      machine.states.map((s) => [
        s.name.text,
        {
          final: s.final !== undefined,
          entry: s.entries.flatMap((l) => l.actions.map((a) => a.text)),
          exit: s.exits.flatMap((l) => l.actions.map((a) => a.text)),
          on: byEvent(s.clauses),
          timers: timers(s.name.text, s.clauses),
        },
      ]),
    ),
    on: byEvent(machine.anyOns),
    ...(deadline ? { deadline: { ms: deadline.duration.ms, target: deadline.target.text, actions: deadline.actions.map((a) => a.text) } } : {}),
    contextDefaults: recordOf(fields.flatMap((f) => (f.default ? [[f.name.text, literalValue(f.default)] as const] : []))),
    schemas: {
      events: recordOf(
        machine.events.map((e) => [
          e.name.text,
          objectSchema(e.fields, (f) => !f.type.optional && f.default === undefined, {
            properties: { type: { const: e.name.text } },
            required: ["type"],
          }),
        ]),
      ),
      startContext: objectSchema(fields, (f) => !f.type.optional && f.default === undefined),
    },
    guards: [...handlers.guards.keys()],
    actions: [...handlers.actions.keys()],
    ...(machine.migrations.length > 0 ? { migrations: machine.migrations.map(migrationValue) } : {}),
  };
}
