// Syntax errors are FSM001 diagnostics at the exact offending position, say what was expected and found, and all are reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseSource } from "../../grammar/parse.js";

/** Each diagnostic as "line:column code message". */
function report(text: string): string[] {
  return parseSource({ path: "bad.fsm", text }).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`);
}

test("an unexpected token: what was expected, after what, and what was found", () => {
  assert.equal(report("machine A {\n  state S {\n    on E -> }\n}"), ["3:13 FSM001 expected a name after '->', found '}'"]);
  assert.equal(report("machine A {\n  state S {\n    on E -> T }\n}"), []);
});

test("a name missing at the end of a line does not swallow the next line's keyword", () => {
  const text = "machine A {\n  state S {\n    on E ->\n    on F -> S / a,\n    entry\n    exit x\n  }\n}";
  assert.equal(report(text), [
    "4:5 FSM001 expected a name after '->', found 'on'",
    "5:5 FSM001 expected a name after ',', found 'entry'",
    "6:5 FSM001 expected a name after 'entry', found 'exit'",
  ]);
  const { ast } = parseSource({ path: "bad.fsm", text });
  assert.equal(
    ast.machines[0]?.states[0]?.clauses.map((c) => c.trigger.kind === "event" && c.trigger.event.text),
    ["E", "F"],
  );
  assert.equal(
    ast.machines[0]?.states[0]?.exits.map((e) => e.actions.map((a) => a.text)),
    [["x"]],
  );
});

test("a keyword as a name on the same line is still a name", () => {
  assert.equal(report("machine A { state S { on E -> final / on } state final }"), []);
});

test("a brace where a clause continues lists the state members that were possible", () => {
  assert.equal(report("machine A { state S { on E { x } } }"), [
    "1:28 FSM001 expected a state member ('entry', 'exit', 'on', 'after') or '}' after 'E', found '{'",
  ]);
});

test("a bad machine member is named as such", () => {
  assert.equal(report("machine A {\n  stat S\n}"), [
    "2:3 FSM001 expected a machine member ('version', 'context', 'event', 'state', 'on', 'deadline', 'migrate') or '}' after '{', found identifier 'stat'",
  ]);
  assert.equal(report("machine A {\n  state S\n}"), []);
});

test("a missing type after ':' says which types exist", () => {
  assert.equal(report("machine A { event E { a: } }"), [
    "1:26 FSM001 expected a type ('string', 'number', 'int', 'boolean' or a string literal union) after ':', found '}'",
  ]);
});

test("a missing closing brace is found at the end of the file", () => {
  assert.equal(report("machine A {\n  state S {}\n"), [
    "3:1 FSM001 expected a machine member ('version', 'context', 'event', 'state', 'on', 'deadline', 'migrate') or '}' after '}', found end of file",
  ]);
});

test("input outside any machine is reported once per run", () => {
  assert.equal(report("foo bar\nmachine A {}\n} }\nmachine B {}"), [
    "1:1 FSM001 expected 'machine', found identifier 'foo'",
    "3:1 FSM001 expected 'machine', found '}'",
  ]);
});

test("an unterminated string is reported at its opening quote, and nothing else on its account", () => {
  assert.equal(report('machine A {\n  context { a: string = "abc\n  b: int }\n}'), [
    "2:25 FSM001 unterminated string: '\"' has no closing '\"' on the same line",
  ]);
  assert.equal(report('machine A {\n  context { a: string = "abc"\n  b: int }\n}'), []);
});

test("an invalid escape in a string is reported on the string", () => {
  assert.equal(report('machine A { context { a: string = "x\\q" } }'), [
    "1:35 FSM001 invalid escape '\\q' in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
  ]);
});

test("a string escape that leaves half a surrogate pair is reported on the string; a whole pair is fine", () => {
  assert.equal(report('machine A { context { a: string = "x\\ud800" } }'), [
    "1:35 FSM001 string is not well-formed Unicode: a \\uD800-\\uDFFF escape must be one half of a surrogate pair (write the character itself, or both halves)",
  ]);
  assert.equal(report('machine A { context { a: "\\udfff" | "b" } }'), [
    "1:26 FSM001 string is not well-formed Unicode: a \\uD800-\\uDFFF escape must be one half of a surrogate pair (write the character itself, or both halves)",
  ]);
  assert.equal(report('machine A { context { a: string = "\\ud83d\\ude00" } }'), []);
});

test("an unterminated block comment is reported at its start, and nothing else on its account", () => {
  assert.equal(report("machine A {\n  state S /* the\n  rest }\n"), ["2:11 FSM001 unterminated comment: '/*' has no closing '*/'"]);
  assert.equal(report("machine A {\n  state S /* the\n  rest */ }\n"), []);
});

test("a bad character is reported with the character", () => {
  assert.equal(report("machine A {\n  state S @\n}"), ["2:11 FSM001 unexpected character '@'"]);
  assert.equal(report("machine A {\n  state S \u00a0\n}"), ["2:11 FSM001 unexpected character U+00A0"]);
});

test("a machine-level 'on' without a target is an error; in a state it is an internal transition", () => {
  assert.equal(report("machine A { on E / log }"), [
    "1:13 FSM001 a machine-level 'on E' needs a target state ('-> State'): it applies in every state, so it cannot be an internal transition",
  ]);
  assert.equal(report("machine A { state S { on E / log } }"), []);
});

test("a version must be a positive whole number", () => {
  assert.equal(report("machine A { version 1.5 }"), ["1:21 FSM001 version must be a positive whole number such as 1 or 2, found '1.5'"]);
  assert.equal(report("machine A { version 2 }"), []);
});

test("every syntax error of a file is reported in one run, in source order", () => {
  const text =
    "machine A {\n  state S { on E -> }\n  state T { after 5s -> -> T }\n  event E { a: }\n  final state\n}\nmachine B { state X { on E [a &&] -> X on E [(a] -> X } }";
  assert.equal(report(text), [
    "2:21 FSM001 expected a name after '->', found '}'",
    "3:25 FSM001 expected a name after '->', found '->'",
    "4:16 FSM001 expected a type ('string', 'number', 'int', 'boolean' or a string literal union) after ':', found '}'",
    "6:1 FSM001 expected a name after 'state', found '}'",
    "7:33 FSM001 expected a guard name, '!' or '(' after '&&', found ']'",
    "7:48 FSM001 expected ')' after 'a', found ']'",
  ]);
});

test("a machine left open does not swallow the next one", () => {
  const { ast, diagnostics } = parseSource({ path: "bad.fsm", text: "machine A {\n  state S {\nmachine B { state X }" });
  assert.equal(
    diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
    ["3:1 expected a state member ('entry', 'exit', 'on', 'after') or '}' after '{', found 'machine'"],
  );
  assert.equal(
    ast.machines.map((m) => m.name.text),
    ["A", "B"],
  );
  assert.equal(
    ast.machines[1]?.states.map((s) => s.name.text),
    ["X"],
  );
});

test("the parts of a broken machine that parsed are still in the AST", () => {
  const { ast } = parseSource({ path: "bad.fsm", text: "machine A { state S { on E -> } state T { on F -> T } }" });
  assert.equal(
    ast.machines[0]?.states.map((s) => s.name.text),
    ["S", "T"],
  );
  assert.is(ast.machines[0]?.states[1]?.clauses[0]?.target?.text, "T");
});

test.run();
