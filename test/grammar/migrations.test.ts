// `migrate from N { Old -> New … }`: what the parser builds, with exact ranges, and what it keeps of a broken block.
import { test } from "uvu";
import * as assert from "uvu/assert";

import type { SourceRange } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";
import { rangeOf } from "../support/text-range.js";

function parse(text: string) {
  const { ast, diagnostics } = parseSource({ path: "m.fsm", text });
  return { machine: ast.machines[0], reported: diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`) };
}

const at = (range: SourceRange) => `${range.start.line}:${range.start.column}-${range.end.line}:${range.end.column}`;

function mappings(machine: ReturnType<typeof parse>["machine"]) {
  return machine?.migrations.map((m) => [m.from.value, m.states.map((s) => `${s.old.text} -> ${s.target.text}`)]);
}

const twoBlocks = `machine Call {
  version 3
  migrate from 2 {
    Idle -> Waiting
    Ringing -> Ringing
  }
  migrate from 1 { Idle -> Waiting, Dialing -> Ringing }
  initial state Waiting { after 1s -> Ringing }
  state Ringing { after 1s -> Done }
  final state Done
}
`;

test("each block becomes a migration with its version and its mappings in source order", () => {
  const { machine, reported } = parse(twoBlocks);
  assert.equal(reported, []);
  assert.equal(mappings(machine), [
    [2, ["Idle -> Waiting", "Ringing -> Ringing"]],
    [1, ["Idle -> Waiting", "Dialing -> Ringing"]],
  ]);
});

test("a migration's range spans the block; its version's range is the number after 'from'", () => {
  const migration = parse(twoBlocks).machine?.migrations[0];
  assert.is(migration && at(migration.range), "3:3-6:4");
  assert.is(migration && at(migration.from.range), at(rangeOf(twoBlocks, "2", 0)));
});

test("a mapping's names have exact ranges and the mapping spans from the old name to the target", () => {
  const [first, second] = parse(twoBlocks).machine?.migrations[1]?.states ?? [];
  assert.is(first && at(first.old.range), at(rangeOf(twoBlocks, "Idle", 1)));
  assert.is(first && at(first.target.range), at(rangeOf(twoBlocks, "Waiting", 1)));
  assert.is(second && at(second.range), at(rangeOf(twoBlocks, "Dialing -> Ringing")));
});

test("an empty block is a migration with no mappings, and a machine without blocks has none", () => {
  const { machine, reported } = parse("machine A {\n  version 2\n  migrate from 1 {}\n  initial state S { after 1s -> E }\n  final state E\n}");
  assert.equal(reported, []);
  assert.equal(mappings(machine), [[1, []]]);
  assert.equal(parse("machine A {\n  initial state S { after 1s -> E }\n  final state E\n}").machine?.migrations, []);
});

test("a block may stand anywhere among the machine's members", () => {
  const { machine, reported } = parse("machine A {\n  initial state S { after 1s -> E }\n  migrate from 1 { S -> E }\n  final state E\n  version 2\n}");
  assert.equal(reported, []);
  assert.equal(mappings(machine), [[1, ["S -> E"]]]);
  assert.equal(
    machine?.states.map((s) => s.name.text),
    ["S", "E"],
  );
});

test("'from' stays usable as a name: only 'migrate' is a keyword", () => {
  const { machine, reported } = parse("machine A {\n  event Incoming { from: string }\n  initial state from { on Incoming -> E }\n  final state E\n}");
  assert.equal(reported, []);
  assert.equal(
    machine?.events[0]?.fields.map((f) => f.name.text),
    ["from"],
  );
  assert.equal(
    machine?.states.map((s) => s.name.text),
    ["from", "E"],
  );
});

test("a version after 'from' that is not a positive whole number is a syntax error, and the block is left out", () => {
  const { machine, reported } = parse(
    "machine A {\n  version 3\n  migrate from 1.5 { S -> S }\n  migrate from 0 {}\n  initial state S { after 1s -> E }\n  final state E\n}",
  );
  assert.equal(reported, [
    "3:16 FSM001 'migrate from' takes a version, a positive whole number such as 1 or 2, found '1.5'",
    "4:16 FSM001 'migrate from' takes a version, a positive whole number such as 1 or 2, found '0'",
  ]);
  assert.equal(machine?.migrations, []);
});

test("a missing 'from' is reported, and the block is still read", () => {
  const { machine, reported } = parse("machine A {\n  version 2\n  migrate 1 { S -> E }\n  initial state S { after 1s -> E }\n  final state E\n}");
  assert.equal(reported, ["3:11 FSM001 expected 'from' after 'migrate', found number '1'"]);
  assert.equal(mappings(machine), [[1, ["S -> E"]]]);
});

test("a mapping without its target is reported where the target should be; the next line is still a mapping", () => {
  const { machine, reported } = parse(
    "machine A {\n  version 2\n  migrate from 1 {\n    Idle ->\n    Ringing -> S\n  }\n  initial state S { after 1s -> E }\n  final state E\n}",
  );
  assert.equal(reported, ["5:5 FSM001 expected a name after '->', found identifier 'Ringing'"]);
  assert.equal(mappings(machine), [[1, ["Ringing -> S"]]]);
  assert.equal(
    machine?.states.map((s) => s.name.text),
    ["S", "E"],
  );
});

test("a mapping without its arrow keeps the mapping and the lines after it", () => {
  const { machine, reported } = parse(
    "machine A {\n  version 2\n  migrate from 1 {\n    Idle S\n    Ringing -> S\n  }\n  initial state S { after 1s -> E }\n  final state E\n}",
  );
  assert.equal(reported, ["4:10 FSM001 expected '->' after 'Idle', found identifier 'S'"]);
  assert.equal(mappings(machine), [[1, ["Idle -> S", "Ringing -> S"]]]);
});

test("a block whose '}' is forgotten ends at the next member, which is parsed as usual", () => {
  const { machine, reported } = parse("machine A {\n  version 2\n  migrate from 1 {\n    Idle -> S\n  initial state S { after 1s -> E }\n  final state E\n}");
  assert.equal(reported, ["5:3 FSM001 expected a state mapping ('Old -> New') or '}' after 'S', found 'initial'"]);
  assert.equal(mappings(machine), [[1, ["Idle -> S"]]]);
  assert.equal(
    machine?.states.map((s) => s.name.text),
    ["S", "E"],
  );
});

test.run();
