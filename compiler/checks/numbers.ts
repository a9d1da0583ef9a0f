// Number checks: a numeric default must be stored as written: finite, not rounded to 0, and an int within the safe integer range (FSM110).
import type { BaseType, Diagnostic, FieldAst, LiteralAst, MachineAst } from "../../grammar/ast.js";
import { diagnostic } from "../../grammar/diagnostics.js";
import { writtenAsWhole, writtenAsZero } from "./number-text.js";

type NumberLiteral = Extract<LiteralAst, { kind: "number" }>;

/** The stored value of a plain-digits literal when it differs from the written one (`9007199254740993` → 9007199254740992). */
function storedInstead(literal: NumberLiteral): string | undefined {
  if (!/^-?\d+$/.test(literal.raw)) return undefined;
  const stored = BigInt(literal.value);
  return stored === BigInt(literal.raw) ? undefined : String(stored);
}

/**
 * Why `literal`, a default for a field of base type `base`, would not be stored as written; undefined when
 * it would be, or when it is not a value of that type at all (FSM108's case, not repeated here).
 */
function unrepresentable(base: BaseType, literal: NumberLiteral): string | undefined {
  if (base.kind !== "number" && !(base.kind === "int" && writtenAsWhole(literal.raw))) return undefined;
  if (!Number.isFinite(literal.value)) {
    return `is too large to represent: JavaScript numbers end near 1.8e308, so it would be stored as ${String(literal.value)}, which JSON cannot carry; write a smaller number`;
  }
  if (literal.value === 0 && !writtenAsZero(literal.raw)) {
    return "is too small to represent: it would be stored as 0; write 0, or a number no closer to 0 than about 5e-324";
  }
  if (base.kind === "int" && !Number.isSafeInteger(literal.value)) {
    const stored = storedInstead(literal);
    return `is beyond the safe integer range ±${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER), where ints are not all stored exactly${stored === undefined ? "" : ` (it would be stored as ${stored})`}; write a smaller int, or make the field a number`;
  }
  return undefined;
}

/** `fieldText` names the field in the message, e.g. "context field 'attempts'". */
function checkFieldNumbers(file: string, field: FieldAst, fieldText: string): Diagnostic[] {
  const literal = field.default;
  if (literal === undefined) return [];
  // Only the shapes the field's type accepts: a scalar for a scalar field, the items of an array for an array field.
  const numbers = field.type.array ? (literal.kind === "array" ? literal.items : []) : [literal];
  const found: Diagnostic[] = [];
  for (const item of numbers) {
    if (item.kind !== "number") continue;
    const why = unrepresentable(field.type.base, item);
    if (why !== undefined) found.push(diagnostic("FSM110", file, item.range, `default ${item.raw} of ${fieldText} ${why}`));
  }
  return found;
}

/** FSM110 for the defaults of context fields and of event fields. */
export function checkNumbers(machines: readonly MachineAst[]): Diagnostic[] {
  return machines.flatMap((machine) => [
    ...machine.context.flatMap((f) => checkFieldNumbers(machine.file, f, `context field '${f.name.text}'`)),
    ...machine.events.flatMap((e) => e.fields.flatMap((f) => checkFieldNumbers(machine.file, f, `field '${f.name.text}' of event '${e.name.text}'`))),
  ]);
}
