// Lines and columns come from a table of line starts: the same answers as counting line breaks from the start, `\n`, `\r\n` and a lone `\r` alike.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LineStarts } from "../../grammar/line-starts.js";
import { parseSource } from "../../grammar/parse.js";

/** The reference: count line breaks up to `offset`, one character at a time. */
function counted(text: string, offset: number): { offset: number; line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

test("every offset has the line and column a character-by-character count gives, whatever the line breaks", () => {
  for (const text of ["", "a", "\n", "ab\ncd\r\nef\rgh\n\n\r\r\n", "\r\n\r\n x", "no break at all"]) {
    const lines = new LineStarts(text);
    for (let offset = 0; offset <= text.length; offset++)
      assert.equal(lines.position(offset), counted(text, offset), `offset ${offset} of ${JSON.stringify(text)}`);
  }
});

test("lookups out of source order give the same answers as in order", () => {
  const text = "one\ntwo\r\nthree\rfour\n";
  const lines = new LineStarts(text);
  for (const offset of [19, 0, 12, 4, 20, 3, 9, 15]) assert.equal(lines.position(offset), counted(text, offset));
});

test("a span ends just after its last character, on that character's line", () => {
  const text = "ab\ncd";
  const lines = new LineStarts(text);
  assert.equal(lines.span(0, 1), { start: { offset: 0, line: 1, column: 1 }, end: { offset: 2, line: 1, column: 3 } });
  assert.equal(lines.span(1, 3), { start: { offset: 1, line: 1, column: 2 }, end: { offset: 4, line: 2, column: 2 } });
});

test("a name on the line after a CRLF line break is reported at its own line and column", () => {
  const { diagnostics } = parseSource({ path: "a.fsm", text: "machine A {\r\n  initial state S { after 0s -> F }\r\n  final state F\r\n}\r\n" });
  assert.equal(
    diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.column, d.range.end.column]),
    [["FSM105", 2, 27, 29]],
  );
});

test.run();
