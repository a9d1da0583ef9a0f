// Baseline tests: the text rendering of each spec in test/fixtures/baselines must equal its committed `.txt`.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import { renderText } from "../../compiler/render/text.js";
import { sortDiagnostics } from "../../grammar/diagnostics.js";
import { decodeSource } from "../../grammar/source.js";
import { lineDiff } from "../support/line-diff.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const baselineDir = "test/fixtures/baselines";
const update = process.env["UPDATE_BASELINES"] === "1";
const specs = readdirSync(`${root}${baselineDir}`)
  .filter((file) => file.endsWith(".fsm"))
  .sort();

/** What `fsmc check <spec>` prints in text format, run from the repository root. */
function renderSpec(path: string): string {
  const decoded = decodeSource(path, readFileSync(`${root}${path}`));
  const sources = decoded.source ? [decoded.source] : [];
  return renderText(sortDiagnostics([...decoded.diagnostics, ...check(sources)]), sources, 1);
}

test("there are baseline specs to compare", () => {
  assert.ok(specs.length >= 4, `expected baseline specs in ${baselineDir}`);
});

for (const spec of specs) {
  const path = `${baselineDir}/${spec}`;
  const expectedPath = `${root}${path.replace(/\.fsm$/, ".txt")}`;
  test(`text rendering of ${spec} matches its baseline`, () => {
    const actual = renderSpec(path);
    if (update) writeFileSync(expectedPath, actual);
    assert.ok(existsSync(expectedPath), `missing baseline ${expectedPath}; run with UPDATE_BASELINES=1 to create it`);
    const expected = readFileSync(expectedPath, "utf8");
    if (actual !== expected) {
      assert.unreachable(`${path}: rendering differs from its baseline (- baseline, + actual); UPDATE_BASELINES=1 rewrites it\n${lineDiff(expected, actual)}`);
    }
  });
}

test("the complete example of the language reference renders clean", () => {
  assert.is(renderSpec(`${baselineDir}/inbound-call.fsm`), "no problems in 1 file\n");
});

test.run();
