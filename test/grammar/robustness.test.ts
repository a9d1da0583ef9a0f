// The parser never throws and never overflows its stack: hostile nesting and random token soup become clean diagnostics.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { maxNesting, parseSource } from "../../grammar/parse.js";

function report(text: string): string[] {
  return parseSource({ path: "r.fsm", text }).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`);
}

const tooDeep = `nesting is too deep: more than ${maxNesting} levels of brackets, parentheses, braces or '!'`;

test("10,000 nested parentheses in a guard are one FSM001 at the first level too deep", () => {
  const text = `machine A { state S { on E [${"(".repeat(10_000)}a${")".repeat(10_000)}] -> S } }`;
  assert.equal(report(text), [`1:${28 + maxNesting - 2} FSM001 ${tooDeep}`]);
});

test("10,000 unclosed parentheses are one FSM001 too", () => {
  assert.equal(report(`machine A { state S { on E [${"(".repeat(10_000)}`), [`1:${28 + maxNesting - 2} FSM001 ${tooDeep}`]);
});

test("10,000 nested brackets in a default value are one FSM001", () => {
  const text = `machine A { context { a: int[] = ${"[".repeat(10_000)}${"]".repeat(10_000)} } }`;
  assert.equal(report(text), [`1:${34 + maxNesting - 2} FSM001 ${tooDeep}`]);
});

test("10,000 negations in a guard are one FSM001", () => {
  const text = `machine A { state S { on E [${"!".repeat(10_000)}a] } }`;
  assert.equal(report(text), [`1:${28 + maxNesting - 2} FSM001 guard is nested too deeply: more than ${maxNesting} levels of '!' and parentheses`]);
});

test("nesting within the limit parses into the guard tree", () => {
  const depth = maxNesting - 5;
  const { ast, diagnostics } = parseSource({ path: "r.fsm", text: `machine A { state S { on E [${"(".repeat(depth)}a${")".repeat(depth)}] } }` });
  assert.equal(diagnostics, []);
  assert.equal(ast.machines[0]?.states[0]?.clauses[0]?.guard?.kind, "ref");
});

test("thousands of syntax errors in one machine are reported without exhausting the stack", () => {
  const text = `machine A {\n  state S {\n${"    on E -> ->\n".repeat(20_000)}  }\n}`;
  const diagnostics = parseSource({ path: "r.fsm", text }).diagnostics;
  assert.ok(diagnostics.length >= 1);
  assert.ok(
    diagnostics.every((d) => d.code === "FSM001" && !d.message.includes("the parser failed")),
    diagnostics[0]?.message,
  );
  assert.equal(diagnostics[0] && `${diagnostics[0].range.start.line}:${diagnostics[0].range.start.column}`, "3:13");
});

test("random token soup never throws and every diagnostic points into the text", () => {
  const vocabulary = [
    "machine",
    "A",
    "state",
    "initial",
    "final",
    "event",
    "context",
    "on",
    "after",
    "deadline",
    "entry",
    "exit",
    "version",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "->",
    "/",
    ",",
    ":",
    "=",
    "|",
    "?",
    "!",
    "&&",
    "||",
    "else",
    "30s",
    "0s",
    "5x",
    "1",
    '"s"',
    "string",
    "int",
    "true",
    "\n",
    "/*",
    "*/",
    "//",
    "///",
    '"',
    "@",
  ];
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const words = Array.from({ length: 1 + random(60) }, () => vocabulary[random(vocabulary.length)]);
    const text = words.join(random(2) === 0 ? " " : "\n");
    const { diagnostics } = parseSource({ path: "r.fsm", text });
    for (const d of diagnostics) {
      assert.not.match(d.message, "the parser failed", text);
      assert.ok(
        d.range.start.offset >= 0 && d.range.end.offset <= text.length && d.range.start.offset <= d.range.end.offset,
        `${d.message} in ${JSON.stringify(text)}`,
      );
      assert.ok(d.range.start.line >= 1 && d.range.start.column >= 1, text);
    }
  }
});

test.run();
