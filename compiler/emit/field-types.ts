// Context and event field types as TypeScript type text and as JSON Schema.
import type { BaseType, FieldAst, LiteralAst, TypeAst } from "../../grammar/ast.js";
import { recordOf, setEntry } from "./record.js";

function baseTypeText(base: BaseType): string {
  switch (base.kind) {
    case "string":
      return "string";
    case "number":
    case "int":
      return "number";
    case "boolean":
      return "boolean";
    case "enum":
      // JSON.stringify writes a valid, fully escaped TypeScript string literal type.
      return base.values.length > 0 ? base.values.map((v) => JSON.stringify(v)).join(" | ") : "never";
  }
}

/** The TypeScript type of a field, e.g. `string`, `"a" | "b"`, `readonly number[]`. */
export function fieldTypeText(type: TypeAst, options: { readonlyArrays: boolean }): string {
  const base = baseTypeText(type.base);
  if (!type.array) return base;
  const element = type.base.kind === "enum" && type.base.values.length > 1 ? `(${base})` : base;
  return options.readonlyArrays ? `readonly ${element}[]` : `${element}[]`;
}

function baseSchema(base: BaseType): Record<string, unknown> {
  switch (base.kind) {
    case "string":
      return { type: "string" };
    case "number":
      return { type: "number" };
    case "int":
      return { type: "integer" };
    case "boolean":
      return { type: "boolean" };
    case "enum":
      return { type: "string", enum: [...base.values] };
  }
}

/** The JSON Schema of one field's value. */
export function fieldSchema(type: TypeAst): Record<string, unknown> {
  const base = baseSchema(type.base);
  return type.array ? { type: "array", items: base } : base;
}

/** The plain value of a literal (a context default). */
export function literalValue(literal: LiteralAst): unknown {
  return literal.kind === "array" ? literal.items.map(literalValue) : literal.value;
}

/** An object schema over `fields` that refuses unknown properties; `extra` properties come first. */
export function objectSchema(
  fields: readonly FieldAst[],
  isRequired: (field: FieldAst) => boolean,
  extra: { properties: Record<string, unknown>; required: string[] } = { properties: {}, required: [] },
): Record<string, unknown> {
  const properties = recordOf(Object.entries(extra.properties));
  const required = [...extra.required];
  for (const field of fields) {
    setEntry(properties, field.name.text, fieldSchema(field.type));
    if (isRequired(field)) required.push(field.name.text);
  }
  return { type: "object", properties, required, additionalProperties: false };
}
