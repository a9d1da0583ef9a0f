// The one list of names users may not give to machines, states, events, fields, guards and actions (FSM113, FSM114).

/** Keywords and type names of the `.fsm` language (docs/language.md, "Names"); `from` is not one: it only means something after `migrate`. */
export const dslKeywords: ReadonlySet<string> = new Set([
  "machine",
  "version",
  "context",
  "event",
  "state",
  "initial",
  "final",
  "entry",
  "exit",
  "on",
  "after",
  "deadline",
  "migrate",
  "else",
  "true",
  "false",
  "string",
  "number",
  "int",
  "boolean",
]);

/**
 * Reserved words of TypeScript/JavaScript (strict mode included) and the global names a
 * generated module could not declare or shadow without mangling: every user name must be
 * usable verbatim as an identifier in generated code.
 */
export const typescriptReservedWords: ReadonlySet<string> = new Set([
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "import",
  "in",
  "instanceof",
  "new",
  "null",
  "return",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "yield",
  "let",
  "static",
  "implements",
  "interface",
  "package",
  "private",
  "protected",
  "public",
  "await",
  "undefined",
  "NaN",
  "Infinity",
  "arguments",
  "eval",
]);

/** Event fields may not be called `type`: the event's `type` property holds its name. */
export const reservedEventFieldNames: ReadonlySet<string> = new Set(["type"]);

/**
 * The members of `Object.prototype`: every JavaScript object has them, so a lookup by such a name in a
 * generated table or in the runtime's (states, events, fields, handlers, machines) would find the inherited
 * member where nothing was declared. Written out rather than read from the running engine, so a check's
 * result does not depend on the Node version that runs it.
 */
export const objectPrototypeMembers: ReadonlySet<string> = new Set([
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

/** Why `name` cannot be used, or undefined when it can. */
export function reservedBecause(name: string): string | undefined {
  if (dslKeywords.has(name)) return "a keyword of the .fsm language";
  if (typescriptReservedWords.has(name)) return "a reserved word of TypeScript/JavaScript";
  return undefined;
}
