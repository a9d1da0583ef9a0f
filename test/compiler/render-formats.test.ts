// The three renderers agree: JSON and SARIF carry the same codes, severities, messages and ranges as the text.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import { jsonReport } from "../../compiler/render/json.js";
import { sarifLog } from "../../compiler/render/sarif.js";
import { renderText } from "../../compiler/render/text.js";
import type { Diagnostic, SourceFile } from "../../grammar/ast.js";
import { sortDiagnostics } from "../../grammar/diagnostics.js";
import { decodeSource } from "../../grammar/source.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = "test/fixtures/baselines";
const sources: SourceFile[] = readdirSync(`${root}${dir}`)
  .filter((file) => file.endsWith(".fsm"))
  .sort()
  .flatMap((file) => decodeSource(`${dir}/${file}`, readFileSync(`${root}${dir}/${file}`)).source ?? []);
// Each baseline spec on its own, as `fsmc check` would check it, so duplicate machine names across them do not interfere.
const diagnostics: Diagnostic[] = sortDiagnostics(sources.flatMap((source) => check([source])));

/** The header lines of the text rendering, parsed back into their parts. */
const textHeaders = renderText(diagnostics, sources)
  .split("\n")
  .flatMap((line) => {
    const match = /^(.+?\.fsm):(\d+):(\d+): (error|warning) (FSM\d{3}): (.*)$/.exec(line);
    return match ? [{ file: match[1], line: Number(match[2]), column: Number(match[3]), severity: match[4], code: match[5], message: match[6] }] : [];
  });

test("the fixtures produce errors and warnings to compare", () => {
  assert.ok(diagnostics.some((d) => d.severity === "error"));
  assert.ok(diagnostics.some((d) => d.severity === "warning"));
  assert.is(textHeaders.length, diagnostics.length);
});

test("JSON carries the file, code, severity, message and start of every text header, in the same order", () => {
  const json = JSON.parse(JSON.stringify(jsonReport(diagnostics, sources.length))) as ReturnType<typeof jsonReport>;
  assert.equal(
    json.diagnostics.map((d) => ({
      file: d.file,
      line: d.range.start.line,
      column: d.range.start.column,
      severity: d.severity,
      code: d.code,
      message: d.message,
    })),
    textHeaders,
  );
});

test("JSON ranges are exactly the diagnostics' ranges", () => {
  assert.equal(
    jsonReport(diagnostics, sources.length).diagnostics.map((d) => d.range),
    diagnostics.map((d) => d.range),
  );
});

test("SARIF results carry the same codes, levels, messages and regions as the text and JSON", () => {
  const results = sarifLog(diagnostics, root).runs[0]?.results ?? [];
  assert.equal(
    results.map((r) => {
      const location = r.locations[0]?.physicalLocation;
      return {
        file: location?.artifactLocation.uri,
        line: location?.region.startLine,
        column: location?.region.startColumn,
        severity: r.level,
        code: r.ruleId,
        message: r.message.text,
      };
    }),
    textHeaders,
  );
  assert.equal(
    results.map((r) => [r.locations[0]?.physicalLocation.region.endLine, r.locations[0]?.physicalLocation.region.endColumn]),
    diagnostics.map((d) => [d.range.end.line, d.range.end.column]),
  );
});

test("the JSON summary counts what the text summary counts", () => {
  const { summary } = jsonReport(diagnostics, sources.length);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  assert.equal(summary, { files: sources.length, errors, warnings: diagnostics.length - errors });
  assert.ok(renderText(diagnostics, sources).endsWith(`${errors} errors, ${summary.warnings} warnings in ${sources.length} files\n`));
});

test.run();
