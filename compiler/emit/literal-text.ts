// Writes plain data (the definition object) as a TypeScript object literal: escaped, indented, short parts on one line.
import { isIdentifier } from "./names.js";

const maxLineWidth = 100;

function keyText(key: string): string {
  // A bare or quoted `__proto__` key would set the prototype instead of defining a property.
  if (key === "__proto__") return `["__proto__"]`;
  return isIdentifier(key) ? key : JSON.stringify(key);
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot emit the number ${String(value)}`);
    return String(value);
  }
  if (typeof value === "boolean" || value === null) return String(value);
  throw new Error(`cannot emit a value of type ${typeof value}`);
}

function entriesOf(value: object): [string, unknown][] {
  return Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
}

/**
 * The value on one line, e.g. `{ ref: "isMenuChoice" }`, or undefined as soon as it is longer than
 * `budget` characters: big objects are never flattened only to be thrown away (keeps emit linear).
 */
function inlineText(value: unknown, budget: number): string | undefined {
  if (typeof value !== "object" || value === null) {
    const text = scalarText(value);
    return text.length <= budget ? text : undefined;
  }
  const parts: string[] = [];
  // Brackets: "[" "]" for arrays, "{ " " }" for objects; ", " between items.
  let used = Array.isArray(value) ? 2 : 4;
  const items: [string, unknown][] = Array.isArray(value) ? value.map((v) => ["", v]) : entriesOf(value);
  for (const [key, item] of items) {
    const prefix = (parts.length > 0 ? ", " : "") + (Array.isArray(value) ? "" : `${keyText(key)}: `);
    const text = inlineText(item, budget - used - prefix.length);
    if (text === undefined) return undefined;
    parts.push(prefix + text);
    used += prefix.length + text.length;
    if (used > budget) return undefined;
  }
  if (Array.isArray(value)) return `[${parts.join("")}]`;
  return parts.length === 0 ? "{}" : `{ ${parts.join("")} }`;
}

/**
 * The value as a literal starting at indentation `depth` (two spaces each), after `prefixWidth`
 * characters already on its first line. Strings only ever go through JSON.stringify, so no text
 * from a spec can leave its string literal.
 */
export function literalText(value: unknown, depth = 0, prefixWidth = 0): string {
  if (typeof value !== "object" || value === null) return scalarText(value);
  const inline = inlineText(value, maxLineWidth - depth * 2 - prefixWidth);
  if (inline !== undefined) return inline;
  const pad = "  ".repeat(depth + 1);
  const close = "  ".repeat(depth);
  if (Array.isArray(value)) {
    const items = value.map((item) => `${pad}${literalText(item, depth + 1, 0)},`);
    return `[\n${items.join("\n")}\n${close}]`;
  }
  const entries = entriesOf(value).map(([k, v]) => {
    const key = keyText(k);
    return `${pad}${key}: ${literalText(v, depth + 1, key.length + 2)},`;
  });
  return `{\n${entries.join("\n")}\n${close}}`;
}
