// Specification of the SARIF renderer: a valid SARIF 2.1.0 log that carries every catalog rule and each diagnostic.
import { readFileSync } from "node:fs";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { artifactLocation, renderSarif, sarifLog } from "../../compiler/render/sarif.js";
import type { Diagnostic } from "../../grammar/ast.js";
import { allRules, diagnostic } from "../../grammar/diagnostics.js";
import { sarifSchemaErrors as schemaErrors } from "../support/sarif-schema.js";
import { rangeOf } from "../support/text-range.js";

const text = "machine M {\n  event Unused\n  initial state A { on Go -> Nowhere }\n}\n";
const diagnostics: Diagnostic[] = [
  diagnostic("FSM401", "specs/call.fsm", rangeOf(text, "Unused"), "event Unused is declared but never handled"),
  diagnostic("FSM103", "specs/call.fsm", rangeOf(text, "Go"), 'event "Go" is not declared'),
  diagnostic("FSM102", "specs/sub dir/call #2.fsm", rangeOf(text, "Nowhere"), 'state "Nowhere" is not declared'),
];

test("the log with results validates against the SARIF 2.1.0 schema", () => {
  assert.is(schemaErrors(JSON.parse(renderSarif(diagnostics, "/repo"))), "");
});

test("the log of a clean run validates and has an empty results array", () => {
  const log = JSON.parse(renderSarif([], "/repo"));
  assert.is(schemaErrors(log), "");
  assert.equal(log.runs[0].results, []);
});

test("the schema check rejects a log that breaks SARIF (so the validation above means something)", () => {
  const log = sarifLog(diagnostics, "/repo") as unknown as { runs: Array<{ results: Array<{ level: string }> }> };
  log.runs[0]!.results[0]!.level = "fatal";
  assert.ok(schemaErrors(log).length > 0);
});

test("the log names fsmc, its package version and schema and declares SARIF 2.1.0", () => {
  const log = sarifLog([], "/repo");
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.is(log.version, "2.1.0");
  assert.match(log.$schema, /sarif-2\.1\.0/);
  assert.is(log.runs.length, 1);
  assert.is(log.runs[0]?.tool.driver.name, "fsmc");
  assert.is(log.runs[0]?.tool.driver.version, pkg.version);
  assert.match(log.runs[0]?.tool.driver.informationUri ?? "", /^https:\/\//);
});

test("every catalog rule is a reporting descriptor with its code, name, descriptions, help and level", () => {
  const rules = sarifLog([], "/repo").runs[0]?.tool.driver.rules ?? [];
  assert.equal(
    rules.map((r) => r.id),
    allRules.map((r) => r.code),
  );
  for (const [index, rule] of allRules.entries()) {
    const descriptor = rules[index];
    assert.is(descriptor?.name, rule.name);
    assert.is(descriptor?.shortDescription.text, rule.title);
    assert.ok(descriptor?.fullDescription.text.includes(rule.title));
    assert.is(descriptor?.help.text, rule.help);
    assert.is(descriptor?.defaultConfiguration.level, rule.severity);
  }
});

test("each result carries the diagnostic's code, rule index, level and message", () => {
  const run = sarifLog(diagnostics, "/repo").runs[0];
  assert.equal(
    run?.results.map((r) => [r.ruleId, run.tool.driver.rules[r.ruleIndex]?.id, r.level, r.message.text]),
    diagnostics.map((d) => [d.code, d.code, d.severity, d.message]),
  );
});

test("regions are 1-based with an exclusive end column", () => {
  const region = sarifLog(diagnostics, "/repo").runs[0]?.results[2]?.locations[0]?.physicalLocation.region;
  // "Nowhere" starts at column 30 of line 3 and is 7 characters long.
  assert.equal(region, { startLine: 3, startColumn: 30, endLine: 3, endColumn: 37 });
});

test("artifact URIs are relative to %SRCROOT%, with forward slashes and percent-encoding", () => {
  const location = sarifLog(diagnostics, "/repo").runs[0]?.results[2]?.locations[0]?.physicalLocation.artifactLocation;
  assert.equal(location, { uri: "specs/sub%20dir/call%20%232.fsm", uriBaseId: "%SRCROOT%" });
});

test("an absolute path inside the root becomes relative to it", () => {
  assert.equal(artifactLocation("/repo/specs/a.fsm", "/repo"), { uri: "specs/a.fsm", uriBaseId: "%SRCROOT%" });
});

test("a path leading outside the root becomes an absolute file URI", () => {
  assert.equal(artifactLocation("../other/a.fsm", "/repo/work"), { uri: "file:///repo/other/a.fsm" });
});

test.run();
