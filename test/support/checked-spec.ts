// Runs the checks on `.fsm` text and states expectations about the diagnostics, for the check specifications.
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import type { Diagnostic, Severity } from "../../grammar/ast.js";
import { rangeOf } from "./text-range.js";

export const specPath = "specs/call.fsm";

/** Every diagnostic of `text` checked as one file at `specPath`. */
export function checkText(text: string): Diagnostic[] {
  return check([{ path: specPath, text }]);
}

/** The diagnostics of `text` with `code`. */
export function diagnosticsWithCode(text: string, code: string): Diagnostic[] {
  return checkText(text).filter((d) => d.code === code);
}

export interface Expected {
  code: string;
  severity: Severity;
  /** The token the diagnostic points at: its text and which occurrence of it in the source (0-based). */
  at: string;
  occurrence?: number;
  /** Words the message must contain. */
  mentions?: readonly string[];
}

/** Asserts that `text` yields exactly one diagnostic with the expected code, at the expected token, naming what it should. */
export function assertReports(text: string, expected: Expected): Diagnostic {
  const found = diagnosticsWithCode(text, expected.code);
  assert.is(found.length, 1, `expected one ${expected.code}, got: ${JSON.stringify(checkText(text).map(summary))}`);
  const only = found[0]!;
  assertDiagnostic(text, only, expected);
  return only;
}

/** Asserts one diagnostic's code, severity, start and end (line and column) and message words. */
export function assertDiagnostic(text: string, found: Diagnostic, expected: Expected): void {
  const range = rangeOf(text, expected.at, expected.occurrence ?? 0);
  assert.is(found.code, expected.code);
  assert.is(found.severity, expected.severity);
  assert.equal(
    [found.range.start.line, found.range.start.column, found.range.end.line, found.range.end.column],
    [range.start.line, range.start.column, range.end.line, range.end.column],
    `${expected.code} should point at '${expected.at}' (${range.start.line}:${range.start.column}) but points at ${found.range.start.line}:${found.range.start.column}: ${found.message}`,
  );
  for (const word of expected.mentions ?? []) {
    assert.ok(found.message.includes(word), `message should mention '${word}': ${found.message}`);
  }
}

/** Asserts that `text` yields no diagnostic with `code`. */
export function assertNoReport(text: string, code: string): void {
  const found = diagnosticsWithCode(text, code);
  assert.equal(found.map(summary), [], `expected no ${code}`);
}

/** Asserts that `text` is clean: no diagnostic at all. */
export function assertClean(text: string): void {
  assert.equal(checkText(text).map(summary), []);
}

function summary(d: Diagnostic): string {
  return `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`;
}
