// Type checks: a field's default value must have the field's declared type (FSM108).
import type { BaseType, Diagnostic, FieldAst, LiteralAst, MachineAst, SourceRange, TypeAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { writtenAsWhole } from "./number-text.js";

function typeText(type: Pick<TypeAst, "base" | "array">): string {
  const base = type.base.kind === "enum" ? type.base.values.map((v) => JSON.stringify(v)).join(" | ") : type.base.kind;
  if (!type.array) return base;
  return type.base.kind === "enum" ? `(${base})[]` : `${base}[]`;
}

function literalText(literal: LiteralAst): string {
  switch (literal.kind) {
    case "string":
      return JSON.stringify(literal.value);
    case "number":
      return literal.raw;
    case "boolean":
      return String(literal.value);
    case "array":
      return "an array";
  }
}

/** Why `literal` is not a value of `base`, or undefined when it is. */
function baseMismatch(base: BaseType, literal: LiteralAst): string | undefined {
  switch (base.kind) {
    case "string":
      return literal.kind === "string" ? undefined : "expected a string";
    case "boolean":
      return literal.kind === "boolean" ? undefined : "expected true or false";
    case "number":
      return literal.kind === "number" ? undefined : "expected a number";
    case "int":
      if (literal.kind !== "number") return "expected an integer";
      // Judged on the text: `1.0000000000000001` rounds to the integer 1 but is not one as written. Whole values too
      // large to store are FSM110's.
      return writtenAsWhole(literal.raw) ? undefined : `expected an integer, but ${literal.raw} has a fractional part`;
    case "enum":
      if (literal.kind === "string" && base.values.includes(literal.value)) return undefined;
      return `expected one of ${base.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
}

/** The first mismatch of a default against a type: where, and why. */
function defaultMismatch(type: TypeAst, literal: LiteralAst): { range: SourceRange; value: string; why: string } | undefined {
  if (!type.array) {
    const why = baseMismatch(type.base, literal);
    return why === undefined ? undefined : { range: literal.range, value: literalText(literal), why };
  }
  if (literal.kind !== "array")
    return { range: literal.range, value: literalText(literal), why: `expected an array of ${typeText({ ...type, array: false })}` };
  for (const item of literal.items) {
    const why = baseMismatch(type.base, item);
    if (why !== undefined) return { range: item.range, value: literalText(item), why: `array items must be ${typeText({ ...type, array: false })}: ${why}` };
  }
  return undefined;
}

/** `fieldText` names the field in the message, e.g. "context field 'attempts'". */
function checkFieldDefault(file: string, field: FieldAst, fieldText: string): Diagnostic[] {
  if (field.default === undefined) return [];
  const mismatch = defaultMismatch(field.type, field.default);
  if (mismatch === undefined) return [];
  return [
    diagnostic(
      "FSM108",
      file,
      mismatch.range,
      `default ${mismatch.value} of ${fieldText} does not match its type ${typeText(field.type)}${field.type.optional ? "?" : ""}: ${mismatch.why}`,
    ),
  ];
}

/** The types family: context field defaults, and event field defaults where written. */
export function checkTypes(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => [
    ...machine.context.flatMap((f) => checkFieldDefault(machine.file, f, `context field '${f.name.text}'`)),
    ...machine.events.flatMap((e) => e.fields.flatMap((f) => checkFieldDefault(machine.file, f, `field '${f.name.text}' of event '${e.name.text}'`))),
  ]);
}
