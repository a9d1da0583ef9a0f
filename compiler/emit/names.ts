// Names in generated code: the identifier check every emitted name passes.

import type { SourceRange } from "../../grammar/ast.js";

const identifierShape = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown when a name reaching the emitter is not a plain identifier; the checks should have rejected it. */
export class EmitNameError extends Error {
  override name = "EmitNameError";
  constructor(
    message: string,
    /** Where the offending name was written, when known. */
    readonly at?: { file: string; range: SourceRange },
  ) {
    super(message);
  }
}

/** Returns `name` when it is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`); throws otherwise. */
export function assertIdentifier(name: string, what: string): string {
  if (!identifierShape.test(name)) throw new EmitNameError(`${what} ${JSON.stringify(name)} is not a plain identifier`);
  return name;
}

export function isIdentifier(name: string): boolean {
  return identifierShape.test(name);
}
