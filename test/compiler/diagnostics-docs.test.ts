// The language guide documents every diagnostic the catalog defines, with the catalog's severity.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { allRules } from "../../grammar/diagnostics.js";
import { repoRoot } from "../support/run-fsmc.js";

const guide = readFileSync(join(repoRoot, "docs/language.md"), "utf8");
/** `| FSMnnn | severity | …` rows of the guide's diagnostics table. */
const rows = new Map([...guide.matchAll(/^\| (FSM\d{3}) \| (error|warning) \|/gm)].map((m) => [m[1]!, m[2]!]));

test("every code in the catalog has a row in docs/language.md with its severity", () => {
  for (const rule of allRules) assert.is(rows.get(rule.code), rule.severity, `${rule.code} in docs/language.md`);
});

test("docs/language.md documents no code the catalog lacks", () => {
  const codes = new Set(allRules.map((r) => r.code));
  assert.equal(
    [...rows.keys()].filter((code) => !codes.has(code)),
    [],
  );
});

test("the diagnostics table lists the codes in ascending order", () => {
  const listed = [...rows.keys()];
  assert.equal(listed, [...listed].sort());
});

test.run();
