// Refuses definitions the runtime cannot run safely: names that every JavaScript object already has.
import type { MachineDefinition } from "./definition.js";

/*
 * The runtime looks states, events, fields and handlers up by name in plain objects. A name that is
 * a member of Object.prototype (`constructor`, `toString`, `__proto__`, …) would find the inherited
 * member instead of nothing, or change the object's prototype: `fsmc check` refuses such names, and a
 * definition built some other way is refused here, at `register`, rather than misbehaving later.
 */
const inherited = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The first reserved name the definition uses, as a sentence; undefined when there is none. */
export function reservedNameIn(definition: MachineDefinition): string | undefined {
  const startFields = Object.keys((definition.schemas.startContext as { properties?: object }).properties ?? {});
  const eventFields = Object.entries(definition.schemas.events).flatMap(([event, schema]) =>
    Object.keys((schema as { properties?: object }).properties ?? {}).map((field) => [`field of event ${event}`, field] as const),
  );
  const names: (readonly [string, string])[] = [
    ...Object.keys(definition.states).map((name) => ["state", name] as const),
    ...Object.keys(definition.schemas.events).map((name) => ["event", name] as const),
    ...startFields.map((name) => ["context field", name] as const),
    ...eventFields,
    ...definition.guards.map((name) => ["guard", name] as const),
    ...definition.actions.map((name) => ["action", name] as const),
  ];
  for (const [kind, name] of names) {
    if (inherited.has(name)) return `the ${kind} '${name}' is a member of every JavaScript object (Object.prototype) and cannot be used as a name`;
  }
  return undefined;
}
