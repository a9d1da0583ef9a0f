// Reads a machine definition (as the emitter builds it, or as JSON stored in Redis) into the maps the diff compares, refusing data of another shape.

/** The JSON Schema of an object the emitter writes: an event, or the start context. */
export interface ObjectSchemaView {
  /** Field name → the field's schema; an event's `type` property is left out. */
  properties: Map<string, unknown>;
  required: Set<string>;
  /** `additionalProperties: false`: a field the schema does not list is refused. */
  closed: boolean;
}

export interface TimerView {
  id: string;
  ms: number;
}

export interface DefinitionView {
  name: string;
  version: number;
  /** State name → its timers. */
  states: Map<string, TimerView[]>;
  deadline?: { ms: number; target: string };
  /** Event type → the schema of its payload. */
  events: Map<string, ObjectSchemaView>;
  startContext: ObjectSchemaView;
  contextDefaults: Map<string, unknown>;
  guards: Set<string>;
  actions: Set<string>;
  /** `migrate from N { Old -> New }` blocks: older version → the old states it names → their new states. */
  migrations: Map<number, Map<string, string>>;
  /** The whole definition as data, for telling whether anything changed. */
  data: Readonly<Record<string, unknown>>;
}

/** Data that is not a machine definition; the message names the first part that is not as expected. */
export class DefinitionShapeError extends Error {
  override name = "DefinitionShapeError";
}

type Data = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(path: string, expected: string): never {
  throw new DefinitionShapeError(`${path} is not ${expected}`);
}

/** Own entries only: names from a spec may be `__proto__` or `constructor`, which a plain lookup would find inherited. */
function entries(value: unknown, path: string): [string, unknown][] {
  if (!isRecord(value)) fail(path, "an object");
  return Object.keys(value).map((key) => [key, value[key]]);
}

function member(record: Data, key: string, path: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : fail(`${path}.${key}`, "present");
}

function text(value: unknown, path: string): string {
  return typeof value === "string" ? value : fail(path, "a string");
}

function count(value: unknown, path: string): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : fail(path, "a whole number");
}

function texts(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, "an array");
  return value.map((item, i) => text(item, `${path}[${i}]`));
}

function objectSchema(value: unknown, path: string, leaveOut?: string): ObjectSchemaView {
  if (!isRecord(value)) fail(path, "an object schema");
  const properties = new Map(entries(member(value, "properties", path), `${path}.properties`).filter(([key]) => key !== leaveOut));
  const required = new Set(texts(member(value, "required", path), `${path}.required`).filter((key) => key !== leaveOut));
  return { properties, required, closed: value["additionalProperties"] === false };
}

function timers(value: unknown, path: string): TimerView[] {
  if (!Array.isArray(value)) fail(path, "an array");
  return value.map((timer, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(timer)) fail(at, "a timer");
    return { id: text(member(timer, "id", at), `${at}.id`), ms: count(member(timer, "ms", at), `${at}.ms`) };
  });
}

function migrations(value: unknown): Map<number, Map<string, string>> {
  if (value === undefined) return new Map();
  if (!Array.isArray(value)) fail("migrations", "an array");
  return new Map(
    value.map((migration, i) => {
      const at = `migrations[${i}]`;
      if (!isRecord(migration)) fail(at, "a migration");
      const states = entries(member(migration, "states", at), `${at}.states`).map(([old, target]) => [old, text(target, `${at}.states.${old}`)] as const);
      return [count(member(migration, "from", at), `${at}.from`), new Map(states)] as const;
    }),
  );
}

/** The view of `data`; throws `DefinitionShapeError` when it is not shaped like a machine definition. */
export function definitionView(data: unknown): DefinitionView {
  if (!isRecord(data)) fail("the definition", "an object");
  const states = new Map(
    entries(member(data, "states", "definition"), "states").map(([name, state]) => {
      if (!isRecord(state)) fail(`states.${name}`, "a state");
      return [name, timers(member(state, "timers", `states.${name}`), `states.${name}.timers`)] as const;
    }),
  );
  const deadlineData = data["deadline"];
  let deadline: DefinitionView["deadline"];
  if (deadlineData !== undefined) {
    if (!isRecord(deadlineData)) fail("deadline", "a deadline");
    deadline = {
      ms: count(member(deadlineData, "ms", "deadline"), "deadline.ms"),
      target: text(member(deadlineData, "target", "deadline"), "deadline.target"),
    };
  }
  const schemas = member(data, "schemas", "definition");
  if (!isRecord(schemas)) fail("schemas", "an object");
  const events = new Map(
    entries(member(schemas, "events", "schemas"), "schemas.events").map(
      ([name, schema]) => [name, objectSchema(schema, `schemas.events.${name}`, "type")] as const,
    ),
  );
  return {
    name: text(member(data, "name", "definition"), "name"),
    version: count(member(data, "version", "definition"), "version"),
    states,
    ...(deadline ? { deadline } : {}),
    events,
    startContext: objectSchema(member(schemas, "startContext", "schemas"), "schemas.startContext"),
    contextDefaults: new Map(entries(member(data, "contextDefaults", "definition"), "contextDefaults")),
    guards: new Set(texts(member(data, "guards", "definition"), "guards")),
    actions: new Set(texts(member(data, "actions", "definition"), "actions")),
    migrations: migrations(data["migrations"]),
    data,
  };
}
