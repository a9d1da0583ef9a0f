// Specification of the text renderer: header line, source excerpt with caret, summary line.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { renderText } from "../../compiler/render/text.js";
import type { Diagnostic, SourceFile, SourceRange } from "../../grammar/ast.js";
import { diagnostic, type DiagnosticCode } from "../../grammar/diagnostics.js";
import { positionAt, rangeOf } from "../support/text-range.js";

const path = "specs/call.fsm";

function render(text: string, ...diagnostics: Array<[DiagnosticCode, SourceRange, string]>): string[] {
  const source: SourceFile = { path, text };
  const list: Diagnostic[] = diagnostics.map(([code, range, message]) => diagnostic(code, path, range, message));
  return renderText(list, [source]).split("\n");
}

test("the header is path:line:col: severity code: message", () => {
  const text = "machine M {\n  state A { on Go -> Nowhere }\n}\n";
  const [header] = render(text, ["FSM102", rangeOf(text, "Nowhere"), 'unknown state "Nowhere"']);
  assert.is(header, 'specs/call.fsm:2:22: error FSM102: unknown state "Nowhere"');
});

test("the source line follows the header and a caret underlines the whole range", () => {
  const text = "machine M {\n  state A { on Go -> Nowhere }\n}\n";
  const lines = render(text, ["FSM102", rangeOf(text, "Nowhere"), "unknown state"]);
  assert.is(lines[1], "  state A { on Go -> Nowhere }");
  assert.is(lines[2], `${" ".repeat("  state A { on Go -> ".length)}^~~~~~~`);
});

test("tabs before the range are kept in the caret line so the caret lines up", () => {
  const text = "machine M {\n\t\tstate A { on Go -> X }\n}\n";
  const lines = render(text, ["FSM102", rangeOf(text, "X"), "unknown state"]);
  assert.is(lines[1], "\t\tstate A { on Go -> X }");
  assert.is(lines[2], `\t\t${" ".repeat("state A { on Go -> ".length)}^`);
});

test("a warning is labelled warning", () => {
  const text = "machine M { event Unused }\n";
  const [header] = render(text, ["FSM401", rangeOf(text, "Unused"), "event Unused is never handled"]);
  assert.match(header ?? "", /^specs\/call\.fsm:1:19: warning FSM401: /);
});

test("a range spanning lines is underlined to the end of its first line", () => {
  const text = "machine M {\n  state A {\n  }\n}\n";
  const range = { start: rangeOf(text, "state").start, end: rangeOf(text, "}").end };
  const lines = render(text, ["FSM201", range, "unreachable"]);
  assert.is(lines[1], "  state A {");
  assert.is(lines[2], "  ^~~~~~~~~");
});

test("an empty range at the end of the file gets a single caret after the last character", () => {
  const text = "machine M {";
  const end = positionAt(text, text.length);
  const lines = render(text, ["FSM001", { start: end, end }, "expected '}'"]);
  assert.is(lines[0], "specs/call.fsm:1:12: error FSM001: expected '}'");
  assert.is(lines[1], "machine M {");
  assert.is(lines[2], "           ^");
});

test("a CRLF line ending is not shown as part of the line", () => {
  const text = "machine M {\r\n  on X -> Y\r\n}\r\n";
  const lines = render(text, ["FSM103", rangeOf(text, "X"), "unknown event"]);
  assert.is(lines[1], "  on X -> Y");
});

test("a lone CR ends a line like LF does", () => {
  const text = "machine M {\r  on X -> Y\r}\r";
  const lines = render(text, ["FSM103", rangeOf(text, "X"), "unknown event"]);
  assert.is(lines[1], "  on X -> Y");
  assert.is(lines[2], "     ^");
});

test("a range on the first character of a file that starts with a newline shows the empty first line", () => {
  const text = "\nmachine M {}";
  const start = positionAt(text, 0);
  const lines = render(text, ["FSM001", { start, end: positionAt(text, 1) }, "x"]);
  assert.is(lines[1], "");
  assert.is(lines[2], "^");
});

test("control characters in the source line are replaced, keeping the caret aligned", () => {
  const text = "machine \u0001\u001b[2J M {}\n";
  const lines = render(text, ["FSM001", rangeOf(text, "M {"), "bad character"]);
  assert.not.match(lines[1] ?? "", /[\u0001\u001b]/);
  assert.is(lines[1]?.indexOf("M {"), lines[2]?.indexOf("^"));
});

test("a very long line is shown as a window around the range", () => {
  const text = `machine M { ${"(".repeat(10_000)}X }\n`;
  const lines = render(text, ["FSM001", rangeOf(text, "X"), "unexpected X"]);
  assert.ok((lines[1]?.length ?? 0) < 300, "the excerpt is short");
  assert.is(lines[1]?.[lines[2]?.indexOf("^") ?? -1], "X");
});

test("characters outside the BMP count once in the padding", () => {
  const text = "machine M { /* ☎📞 */ X }\n";
  const lines = render(text, ["FSM001", rangeOf(text, "X"), "unexpected X"]);
  assert.is(Array.from(lines[1] ?? "").indexOf("X"), lines[2]?.indexOf("^"));
});

test("diagnostics are rendered in the order given, each with its excerpt", () => {
  const text = "a\nb\n";
  const lines = render(text, ["FSM001", rangeOf(text, "a"), "first"], ["FSM001", rangeOf(text, "b"), "second"]);
  assert.equal(lines.slice(0, 6), ["specs/call.fsm:1:1: error FSM001: first", "a", "^", "specs/call.fsm:2:1: error FSM001: second", "b", "^"]);
});

test("the summary counts errors and warnings and files", () => {
  const text = "machine M { event A event B }\n";
  const lines = render(text, ["FSM001", rangeOf(text, "M"), "x"], ["FSM001", rangeOf(text, "A"), "y"], ["FSM401", rangeOf(text, "B"), "z"]);
  assert.is(lines.at(-2), "2 errors, 1 warning in 1 file");
});

test("a clean run prints only a no-problems summary", () => {
  const output = renderText(
    [],
    [
      { path: "a.fsm", text: "" },
      { path: "b.fsm", text: "" },
    ],
  );
  assert.is(output, "no problems in 2 files\n");
});

test("a diagnostic for a file without source text gets its header only", () => {
  const range = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };
  const output = renderText([diagnostic("FSM001", "bin.fsm", range, "not UTF-8")], [], 1);
  assert.is(output, "bin.fsm:1:1: error FSM001: not UTF-8\n1 error in 1 file\n");
});

test.run();
