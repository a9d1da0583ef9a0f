// Diffs two versions of a spec in memory, the old one from its text or as stored JSON, and states expectations about the reports.
import * as assert from "uvu/assert";

import { definitionView } from "../../compiler/diff/definition-view.js";
import { diffMachines } from "../../compiler/diff/diff-machines.js";
import { specMachines } from "../../compiler/diff/spec-machines.js";
import type { Diagnostic, Severity } from "../../grammar/ast.js";
import { rangeOf } from "./text-range.js";

export const oldPath = "deployed/call.fsm";
export const newPath = "specs/call.fsm";

/** A small call flow with something of everything the diff compares; every variant of it checks without errors. */
export const baseSpec = `/// Ring an agent.
machine Call {
  version 1
  context { agentId: string, attempts: int = 0, note: string? }

  event Answered
  event Declined { reason: "busy" | "rejected", detail: string? }
  event Hangup { cause: string }
  event Transfer { to: string, count: number }

  deadline 10m -> TimedOut / logTimeout
  on Hangup -> Ended / recordHangup

  initial state Ringing {
    entry ringAgent
    on Answered -> Talking / bridgeCall
    on Declined [canRetry] -> Ringing / countAttempt
    on Declined [else] -> Ended
    after 30s -> Ended / cancelRing
  }

  state Talking {
    on Transfer -> Transferring
    after 1h -> Ended
  }

  state Transferring {
    entry startTransfer
    after 20s -> Ended
    after 1m -> Ended
  }

  final state Ended
  final state TimedOut
}
`;

/** `text` with each `[from, to]` replaced; every `from` must occur exactly once, so an edit cannot silently miss. */
export function edit(text: string, ...edits: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of edits) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`"${from}" occurs ${count} times in the spec, not once`);
    out = out.replace(from, () => to);
  }
  return out;
}

/** The base spec at `version`, edited. */
export function version(n: number, ...edits: readonly (readonly [string, string])[]): string {
  return edit(baseSpec, ["version 1", `version ${n}`], ...edits);
}

function machinesOf(path: string, text: string) {
  const side = specMachines([{ path, text }]);
  assert.equal(
    side.errors.map((d) => `${d.code} ${d.message}`),
    [],
    `the spec at ${path} should check without errors`,
  );
  return side.machines;
}

const start = { offset: 0, line: 1, column: 1 };

/** The reports of deploying `newText` where `oldText` runs, both read from specs. */
export function diffSpecs(oldText: string, newText: string): Diagnostic[] {
  return diffMachines(machinesOf(oldPath, oldText), machinesOf(newPath, newText), { file: newPath, range: { start, end: start } });
}

/** The reports of deploying `newText` where the definition of `oldText` runs, read back from JSON as Redis stores it (no source positions). */
export function diffStored(oldText: string, newText: string): Diagnostic[] {
  const stored = machinesOf(oldPath, oldText).map((m) => ({ definition: definitionView(JSON.parse(JSON.stringify(m.definition.data))) }));
  return diffMachines(stored, machinesOf(newPath, newText), { file: newPath, range: { start, end: start } });
}

export interface ExpectedReport {
  code: string;
  severity: Severity;
  /** Which spec the report points into, and at which token of it (its text, and which occurrence, 0-based). */
  in: "old" | "new";
  at: string;
  occurrence?: number;
  /** Words the message must contain. */
  mentions?: readonly string[];
}

function summary(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`;
}

/** Asserts that `found` is exactly one report, with the expected code and severity, at the expected token, naming what it should. */
export function assertOnly(found: readonly Diagnostic[], texts: { old: string; new: string }, expected: ExpectedReport): Diagnostic {
  assert.is(found.length, 1, `expected exactly one ${expected.code}, got: ${JSON.stringify(found.map(summary), null, 1)}`);
  const only = found[0]!;
  assert.is(only.code, expected.code, summary(only));
  assert.is(only.severity, expected.severity);
  const range = rangeOf(texts[expected.in], expected.at, expected.occurrence ?? 0);
  assert.equal(
    [only.file, only.range.start.line, only.range.start.column, only.range.end.line, only.range.end.column],
    [expected.in === "old" ? oldPath : newPath, range.start.line, range.start.column, range.end.line, range.end.column],
    `${expected.code} should point at '${expected.at}' in the ${expected.in} spec: ${summary(only)}`,
  );
  assert.is(only.range.start.offset, range.start.offset);
  for (const word of expected.mentions ?? []) assert.ok(only.message.includes(word), `message should mention '${word}': ${only.message}`);
  return only;
}

/** Diffs `oldText` → `newText` and asserts the one report `expected`. */
export function assertDiff(oldText: string, newText: string, expected: ExpectedReport): Diagnostic {
  return assertOnly(diffSpecs(oldText, newText), { old: oldText, new: newText }, expected);
}

/** Asserts that deploying `newText` where `oldText` runs reports nothing. */
export function assertNoReports(oldText: string, newText: string): void {
  assert.equal(diffSpecs(oldText, newText).map(summary), []);
}
