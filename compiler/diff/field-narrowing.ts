// Whether every value a field's old JSON Schema accepts is still accepted by its new one, and if not, how the type narrowed.

export type Narrowing =
  /** Both enums of strings: these values are no longer accepted. */
  | { kind: "values-removed"; values: string[] }
  /** Any other change a value of the old type may not survive. */
  | { kind: "type-changed"; from: string; to: string };

type Schema = Readonly<Record<string, unknown>>;

/** The keywords the emitter writes for a field; a schema with any other is compared as a whole. */
const understood = new Set(["type", "enum", "items"]);

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUnderstood(schema: Schema): boolean {
  return Object.keys(schema).every((key) => understood.has(key)) && (schema["enum"] === undefined || isStringList(schema["enum"]));
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isSchema(a) && isSchema(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return a === b;
}

/** A field's type as the spec writes it: `string`, `int`, `"a" | "b"`, `number[]`. */
export function typeText(schema: unknown): string {
  if (!isSchema(schema) || !isUnderstood(schema)) return JSON.stringify(schema);
  const values = schema["enum"];
  if (isStringList(values)) return values.map((v) => JSON.stringify(v)).join(" | ");
  switch (schema["type"]) {
    case "integer":
      return "int";
    case "array": {
      const items = typeText(schema["items"]);
      return isSchema(schema["items"]) && isStringList(schema["items"]["enum"]) && schema["items"]["enum"].length > 1 ? `(${items})[]` : `${items}[]`;
    }
    default:
      return typeof schema["type"] === "string" ? schema["type"] : JSON.stringify(schema);
  }
}

function accepts(before: Schema, after: Schema): boolean | Narrowing {
  const [oldType, newType] = [before["type"], after["type"]];
  if (oldType === "array" && newType === "array" && isSchema(before["items"]) && isSchema(after["items"])) {
    const items = narrowing(before["items"], after["items"]);
    // A changed item type is named as the whole array type (`string[]` → `int[]`); removed enum values as they are.
    return items === undefined || (items.kind === "values-removed" ? items : false);
  }
  const [oldValues, newValues] = [before["enum"], after["enum"]];
  if (newType === "number" && newValues === undefined) return oldValues === undefined && (oldType === "number" || oldType === "integer");
  if (newType !== "string" || oldType !== "string") return false;
  if (!isStringList(newValues)) return true;
  if (!isStringList(oldValues)) return false;
  const kept = new Set(newValues);
  const removed = oldValues.filter((value) => !kept.has(value));
  return removed.length === 0 || { kind: "values-removed", values: removed };
}

/**
 * How `after` refuses values `before` accepted; undefined when it accepts them all (the same type, or
 * a wider one: `int` → `number`, an enum that gained values, `"a" | "b"` → `string`).
 */
export function narrowing(before: unknown, after: unknown): Narrowing | undefined {
  if (sameJson(before, after)) return undefined;
  const verdict = isSchema(before) && isSchema(after) && isUnderstood(before) && isUnderstood(after) ? accepts(before, after) : false;
  if (verdict === true) return undefined;
  return verdict === false ? { kind: "type-changed", from: typeText(before), to: typeText(after) } : verdict;
}
