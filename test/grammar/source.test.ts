// Source bytes are strict UTF-8: a BOM is dropped, and the first invalid byte is an FSM001 at its line and column.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeSource } from "../../grammar/source.js";

const bytes = (...parts: (string | number[])[]): Uint8Array => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "utf8")] : p)));

test("valid UTF-8 decodes to the text, with the path kept", () => {
  const { source, diagnostics } = decodeSource("a.fsm", bytes("machine Ä {}"));
  assert.equal(diagnostics, []);
  assert.equal(source, { path: "a.fsm", text: "machine Ä {}" });
});

test("a UTF-8 byte order mark is stripped", () => {
  const { source } = decodeSource("a.fsm", bytes([0xef, 0xbb, 0xbf], "machine A {}"));
  assert.is(source?.text, "machine A {}");
});

test("an invalid byte is FSM001 with its byte offset, line and column, and no source", () => {
  const { source, diagnostics } = decodeSource("a.fsm", bytes("machine A {\n  // caf", [0xe9], "\n}"));
  assert.is(source, undefined);
  assert.is(diagnostics.length, 1);
  const [d] = diagnostics;
  assert.is(d?.code, "FSM001");
  assert.is(d?.file, "a.fsm");
  assert.is(d?.message, "file is not valid UTF-8 (first invalid byte at offset 20); save it as UTF-8");
  assert.equal(d?.range.start, { offset: 20, line: 2, column: 9 });
});

test("the column of an invalid byte counts characters, not bytes", () => {
  const { diagnostics } = decodeSource("a.fsm", bytes("éé", [0xff]));
  assert.match(diagnostics[0]?.message ?? "", "offset 4");
  assert.equal(diagnostics[0]?.range.start, { offset: 2, line: 1, column: 3 });
});

test("a sequence cut short at the end of the file is reported where it starts", () => {
  const { diagnostics } = decodeSource("a.fsm", bytes("ab", [0xe2, 0x82]));
  assert.match(diagnostics[0]?.message ?? "", "offset 2");
  assert.equal(diagnostics[0]?.range.start.column, 3);
});

test.run();
