// Baselines: the module generated for each example spec equals the committed file (generated/ and test/fixtures/emit/expected/).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { compile } from "../../compiler/compile.js";
import { lineDiff } from "../support/line-diff.js";
import { repoRoot } from "../support/run-fsmc.js";

const update = process.env["UPDATE_BASELINES"] === "1";

function compiledFiles(dir: string, file: string) {
  const path = join(dir, file);
  const result = compile([{ path, text: readFileSync(join(repoRoot, path), "utf8") }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
    `${path} must compile clean`,
  );
  return result.files.filter((f) => f.path !== "index.ts");
}

function assertSameText(expectedPath: string, actual: string): void {
  const expected = readFileSync(join(repoRoot, expectedPath), "utf8");
  if (expected !== actual) assert.unreachable(`${expectedPath} differs from the compiler's output:\n${lineDiff(expected, actual)}`);
}

const specs = readdirSync(join(repoRoot, "specs"))
  .filter((f) => f.endsWith(".fsm"))
  .sort();

test("every example spec in specs/ has been compiled into generated/", () => {
  assert.ok(specs.length > 0, "specs/ holds example specs");
  const generated = new Set(readdirSync(join(repoRoot, "generated")));
  for (const spec of specs) for (const file of compiledFiles("specs", spec)) assert.ok(generated.has(file.path), `generated/${file.path} exists`);
});

for (const spec of specs) {
  test(`the module of specs/${spec} equals the committed file in generated/ (no drift)`, () => {
    for (const file of compiledFiles("specs", spec)) assertSameText(join("generated", file.path), file.text);
  });
}

const fixtures = readdirSync(join(repoRoot, "test/fixtures/emit"))
  .filter((f) => f.endsWith(".fsm"))
  .sort();
for (const fixture of fixtures) {
  test(`the module of test/fixtures/emit/${fixture} equals its expected file`, () => {
    for (const file of compiledFiles("test/fixtures/emit", fixture)) {
      const expectedPath = join("test/fixtures/emit/expected", file.path);
      if (update) writeFileSync(join(repoRoot, expectedPath), file.text);
      assertSameText(expectedPath, file.text);
    }
  });
}

const specSources = () => specs.map((spec) => ({ path: join("specs", spec), text: readFileSync(join(repoRoot, "specs", spec), "utf8") }));

test("generated/index.ts re-exports exactly the modules of specs/", () => {
  const index = compile(specSources()).files.find((f) => f.path === "index.ts");
  assert.ok(index, "an index is emitted");
  assertSameText("generated/index.ts", index.text);
});

test("compiling the same specs twice gives byte-identical output", () => {
  assert.equal(compile(specSources()).files, compile(specSources()).files);
});

test.run();
