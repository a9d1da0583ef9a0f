// Fuzzing: thousands of mutated specs must each yield diagnostics or a clean result, never an exception; those check accepts must compile.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { analyze } from "../../compiler/check.js";
import { dslKeywords } from "../../compiler/checks/reserved-words.js";
import { compile } from "../../compiler/compile.js";
import type { Diagnostic } from "../../grammar/ast.js";
import { rules } from "../../grammar/diagnostics.js";
import { decodeSource } from "../../grammar/source.js";
import { seededRandom, type Random } from "../support/prng.js";
import { repoRoot, runFsmc, stackFrame } from "../support/run-fsmc.js";
import { sarifSchemaErrors } from "../support/sarif-schema.js";

const mutationCases = 20_000;
const seed = 0x5eed_f5c;

function specFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".fsm"))
    .sort()
    .map((f) => join(dir, f));
}

/** The seeds: the project's example specs and the baseline specs (among them the language reference's complete example). */
const seeds = [...specFilesIn(join(repoRoot, "specs")), ...specFilesIn(join(repoRoot, "test/fixtures/baselines"))].map((file) => ({
  file,
  bytes: new Uint8Array(readFileSync(file)),
}));

const encoder = new TextEncoder();
/** Fragments worth inserting: the language's punctuation and keywords, comment and string openers, odd whitespace. */
const fragments = [
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
  "[]",
  '"',
  "\\",
  "/*",
  "*/",
  "//",
  "///",
  "\n",
  "\r",
  "\r\n",
  "\t",
  " ",
  "machine",
  "state",
  "initial",
  "final",
  "event",
  "on",
  "after",
  "deadline",
  "entry",
  "exit",
  "else",
  "[else]",
  "context",
  "version",
  "migrate",
  "from",
  "migrate from 1 {",
  "true",
  "false",
  "string",
  "int",
  "0s",
  "1m30s",
  "30s",
  "999999999999999999999d",
  "1e999",
  "-1",
  '"unterminated',
  "class",
  "type",
  "\u0000",
  "\ufeff",
  "é",
  "☎",
  "𝒳",
].map((f) => encoder.encode(f));

/** Splits bytes into rough tokens (runs of word bytes, runs of spaces, single other bytes) for token-level mutations. */
function roughTokens(bytes: Uint8Array): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  const isWord = (b: number) => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95 || b >= 128;
  const isSpace = (b: number) => b === 32 || b === 9 || b === 10 || b === 13;
  let start = 0;
  for (let i = 1; i <= bytes.length; i++) {
    const a = bytes[i - 1] ?? 0;
    const b = bytes[i];
    const sameRun = b !== undefined && ((isWord(a) && isWord(b)) || (isSpace(a) && isSpace(b)));
    if (!sameRun) {
      tokens.push(bytes.subarray(start, i));
      start = i;
    }
  }
  return tokens;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function randomBytes(random: Random, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.below(256));
}

const mutations: Array<(bytes: Uint8Array, random: Random) => Uint8Array> = [
  function deleteBytes(bytes, random) {
    const at = random.below(bytes.length + 1);
    return concat([bytes.subarray(0, at), bytes.subarray(at + 1 + random.below(8))]);
  },
  function insertFragment(bytes, random) {
    const at = random.below(bytes.length + 1);
    return concat([bytes.subarray(0, at), random.pick(fragments), bytes.subarray(at)]);
  },
  function insertRandomBytes(bytes, random) {
    const at = random.below(bytes.length + 1);
    return concat([bytes.subarray(0, at), randomBytes(random, 1 + random.below(6)), bytes.subarray(at)]);
  },
  function swapTokens(bytes, random) {
    if (bytes.length === 0) return bytes;
    const tokens = roughTokens(bytes);
    const i = random.below(tokens.length);
    const j = random.below(tokens.length);
    [tokens[i], tokens[j]] = [tokens[j] as Uint8Array, tokens[i] as Uint8Array];
    return concat(tokens);
  },
  function duplicateToken(bytes, random) {
    if (bytes.length === 0) return bytes;
    const tokens = roughTokens(bytes);
    const i = random.below(tokens.length);
    tokens.splice(random.below(tokens.length + 1), 0, tokens[i] ?? new Uint8Array());
    return concat(tokens);
  },
  function dropToken(bytes, random) {
    if (bytes.length === 0) return bytes;
    const tokens = roughTokens(bytes);
    tokens.splice(random.below(tokens.length), 1 + random.below(3));
    return concat(tokens);
  },
  function truncate(bytes, random) {
    return bytes.subarray(0, random.below(bytes.length + 1));
  },
  function flipBit(bytes, random) {
    if (bytes.length === 0) return bytes;
    const copy = Uint8Array.from(bytes);
    const at = random.below(copy.length);
    copy[at] = (copy[at] ?? 0) ^ (1 << random.below(8));
    return copy;
  },
  function randomFile(_bytes, random) {
    return randomBytes(random, random.below(300));
  },
];

/** Crafted inputs that stress recursion, length and the lexer's error paths. */
const nastyCases: Array<{ name: string; text: string }> = [
  { name: "deep-guard", text: `machine M { event E initial state A { on E [${"(".repeat(10_000)}g${")".repeat(10_000)}] -> B } final state B }` },
  { name: "unclosed-guard", text: `machine M { event E initial state A { on E [${"(".repeat(10_000)}` },
  { name: "deep-literal", text: `machine M { context { xs: string[] = ${"[".repeat(10_000)}${"]".repeat(10_000)} } initial state A final state B }` },
  { name: "unclosed-literal", text: `machine M { context { xs: string[] = ${"[".repeat(10_000)}` },
  { name: "deep-not", text: `machine M { event E initial state A { on E [${"!".repeat(10_000)}g] -> B } final state B }` },
  { name: "deep-braces", text: `machine M ${"{".repeat(10_000)}` },
  {
    name: "long-and-chain",
    text: `machine M { event E initial state A { on E [${Array.from({ length: 5_000 }, (_, i) => `g${i}`).join(" && ")}] -> B } final state B }`,
  },
  { name: "huge-identifier", text: `machine ${"M".repeat(200_000)} { initial state A final state B }` },
  { name: "huge-number", text: `machine M { version ${"9".repeat(5_000)} context { n: number = 1e99999 } initial state A final state B }` },
  { name: "huge-duration", text: `machine M { deadline ${"9".repeat(400)}d -> B initial state A final state B }` },
  { name: "unterminated-comment", text: `machine M { /* ${"x".repeat(10_000)}` },
  { name: "unterminated-string", text: `machine M { context { s: string = "${"\\".repeat(9_999)}` },
  { name: "many-machines", text: Array.from({ length: 2_000 }, (_, i) => `machine M${i % 50} { initial state A }`).join("\n") },
  { name: "nul-and-controls", text: `machine\u0000M { \u0001\u0002\u001b[31m initial state A }` },
  { name: "only-bom", text: "\ufeff" },
  { name: "empty", text: "" },
  { name: "lone-surrogate-escape", text: `machine M { context { s: string = "\\ud800" } initial state A final state B }` },
  { name: "crlf-and-cr", text: "machine M {\r\n  event E\r  initial state A { on E -> X }\r\n}\r" },
];

interface Failure {
  origin: string;
  problem: string;
  input: string;
}

/** Runs one input through decoding and every check; returns what is wrong, or undefined when it behaved. */
function examine(path: string, bytes: Uint8Array): string | undefined {
  let diagnostics: Diagnostic[];
  let textLength: number;
  let text: string | undefined;
  try {
    const decoded = decodeSource(path, bytes);
    text = decoded.source?.text;
    textLength = text?.length ?? bytes.length;
    diagnostics = [...decoded.diagnostics, ...(decoded.source ? analyze([decoded.source]).diagnostics : [])];
    if (!decoded.source && decoded.diagnostics.length === 0) return "no source and no diagnostic";
  } catch (error) {
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  const locate = text !== undefined && diagnostics.length > 0 ? lineLocator(text) : undefined;
  for (const d of diagnostics) {
    if (!Object.hasOwn(rules, d.code)) return `unknown code ${d.code}`;
    if (rules[d.code as keyof typeof rules].severity !== d.severity) return `${d.code} has severity ${d.severity}`;
    if (d.file !== path) return `${d.code} names file ${d.file}`;
    if (typeof d.message !== "string" || d.message.length === 0) return `${d.code} has no message`;
    const { start, end } = d.range;
    const inside = 0 <= start.offset && start.offset <= end.offset && end.offset <= textLength;
    if (!inside) return `${d.code} range ${start.offset}..${end.offset} outside the file (length ${textLength})`;
    if (start.line < 1 || start.column < 1 || end.line < start.line || end.column < 1) {
      return `${d.code} has an invalid position ${start.line}:${start.column}-${end.line}:${end.column}`;
    }
    if (locate) {
      for (const position of [start, end]) {
        const expected = locate(position.offset);
        if (expected.line !== position.line || expected.column !== position.column) {
          return `${d.code} position ${position.line}:${position.column} does not match its offset ${position.offset} (${expected.line}:${expected.column})`;
        }
      }
    }
  }
  return undefined;
}

/** Maps offsets to line and column, counting \n, \r\n and a lone \r as line breaks, as the parser does. */
function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lineStarts.push(i + 1);
  }
  return (offset) => {
    // The last line start at or before offset (binary search).
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

function preview(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 160));
  return JSON.stringify(text) + (bytes.length > 160 ? ` … (${bytes.length} bytes)` : "");
}

test("there are seed specs to mutate", () => {
  assert.ok(seeds.length >= 3, "expected seed specs in specs/ and test/fixtures/baselines/");
});

test(`${mutationCases} seeded mutations of the example specs each yield diagnostics or a clean result`, () => {
  const random = seededRandom(seed);
  const failures: Failure[] = [];
  const started = Date.now();
  for (let i = 0; i < mutationCases; i++) {
    const base = random.pick(seeds);
    let bytes: Uint8Array = base.bytes;
    // Usually one mutation, sometimes a few stacked.
    const count = 1 + (random.next() < 0.25 ? random.below(4) : 0);
    const applied: string[] = [];
    for (let k = 0; k < count; k++) {
      const mutate = random.pick(mutations);
      applied.push(mutate.name);
      bytes = mutate(bytes, random);
    }
    const problem = examine(`fuzz-${i}.fsm`, bytes);
    if (problem) failures.push({ origin: `case ${i}: ${applied.join("+")} of ${base.file}`, problem, input: preview(bytes) });
  }
  console.log(`  fuzz: ${mutationCases} mutation cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(failures.slice(0, 5), [], `${failures.length} of ${mutationCases} cases misbehaved`);
});

test("crafted deep, long and broken inputs each yield diagnostics or a clean result", () => {
  const failures: Failure[] = [];
  for (const nasty of nastyCases) {
    const bytes = encoder.encode(nasty.text);
    const problem = examine(`${nasty.name}.fsm`, bytes);
    if (problem) failures.push({ origin: nasty.name, problem, input: preview(bytes) });
  }
  console.log(`  fuzz: ${nastyCases.length} crafted cases`);
  assert.equal(failures, []);
});

/** Names and numbers the emitter or the runtime cannot take as they are, or can only just take, by the token they replace. */
const hazards = {
  name: ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "constructorName", "ToString", "Index", "MachineDefinition", "Start", "Timer"],
  number: ["1e400", "-1e400", "1e-400", "9007199254740993", "9007199254740991", "1e20", "1.0000000000000001", "9".repeat(400)],
  duration: ["104249992d", "104249991d", "1e400s", `${"9".repeat(400)}ms`],
};

/**
 * One hazard put where it keeps the spec well-formed: a name renamed everywhere it occurs, one number or duration
 * replaced, or the whole spec followed by a copy whose machines' names have the same module file (`CallQueue`, `callQueue`).
 */
function insertHazard(text: string, random: Random): string {
  if (random.next() < 0.15) return text + text.replace(/\bmachine\s+([A-Z])/g, (_, first: string) => `machine ${first.toLowerCase()}`);
  const words = [...text.matchAll(/-?[A-Za-z0-9_.]+/g)].filter((m) => !dslKeywords.has(m[0]));
  if (words.length === 0) return text;
  const word = random.pick(words);
  const at = word.index ?? 0;
  const kind = /^[A-Za-z_]\w*$/.test(word[0]) ? "name" : /^-?[\d.]+(?:[eE][+-]?\d+)?$/.test(word[0]) ? "number" : "duration";
  const hazard = random.pick(hazards[kind]);
  if (kind !== "name") return text.slice(0, at) + hazard + text.slice(at + word[0].length);
  return text.replace(new RegExp(`\\b${word[0]}\\b`, "g"), hazard);
}

test("seeded hazardous names, numbers and durations: whatever check accepts, compile emits", () => {
  const random = seededRandom(seed ^ 0xc0de);
  const failures: Failure[] = [];
  let compiled = 0;
  const started = Date.now();
  const texts = seeds.map((s) => ({ file: s.file, text: new TextDecoder().decode(s.bytes) }));
  for (let i = 0; i < 1_000; i++) {
    const base = random.pick(texts);
    const text = insertHazard(base.text, random);
    const source = { path: `hazard-${i}.fsm`, text };
    if (analyze([source]).diagnostics.some((d) => d.severity === "error")) continue;
    compiled++;
    const origin = `case ${i} of ${base.file}`;
    try {
      const { files, diagnostics } = compile([source]);
      const paths = files.map((f) => f.path);
      if (files.length === 0)
        failures.push({ origin, problem: `compile emitted nothing: ${diagnostics.map((d) => d.message).join("; ")}`, input: preview(encoder.encode(text)) });
      else if (new Set(paths).size !== paths.length)
        failures.push({ origin, problem: `compile emitted one path twice: ${paths.join(", ")}`, input: preview(encoder.encode(text)) });
    } catch (error) {
      failures.push({ origin, problem: `compile threw ${error instanceof Error ? error.message : String(error)}`, input: preview(encoder.encode(text)) });
    }
  }
  console.log(`  fuzz: ${compiled} hazardous specs checked clean, each compiled, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(compiled >= 100, `only ${compiled} hazardous cases checked clean`);
  assert.equal(failures.slice(0, 5), []);
});

test("the nastiest inputs through `fsmc check` exit 0 or 1 with no stack trace, in text and SARIF", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fsmc-fuzz-"));
  try {
    const names = ["deep-guard", "deep-literal", "deep-braces", "unterminated-comment", "nul-and-controls", "huge-identifier"];
    for (const nasty of nastyCases.filter((n) => names.includes(n.name))) writeFileSync(join(dir, `${nasty.name}.fsm`), nasty.text);
    writeFileSync(join(dir, "random-bytes.fsm"), randomBytes(seededRandom(seed), 4_000));
    const [text, sarif] = await Promise.all([runFsmc(["check", "."], dir), runFsmc(["check", ".", "--format", "sarif"], dir)]);
    for (const run of [text, sarif]) {
      assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}: ${run.stderr}`);
      assert.not.match(run.stdout + run.stderr, stackFrame);
      assert.not.match(run.stderr, /internal error/);
    }
    assert.match(text.stdout, /in 7 files\n$/);
    assert.is(sarifSchemaErrors(JSON.parse(sarif.stdout)), "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
