// Renders diagnostics as a SARIF 2.1.0 log that GitHub code scanning accepts (one run, every catalog rule).
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

import type { Diagnostic } from "../../grammar/ast.js";
import { allRules } from "../../grammar/diagnostics.js";
import { fsmcManifest } from "../package-version.js";

export const sarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  /** Exclusive, 1-based, in UTF-16 code units (the SARIF default `columnKind`). */
  endColumn: number;
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: "error" | "warning";
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: SarifRegion;
    };
  }>;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: "error" | "warning" };
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: Array<{
    tool: { driver: { name: string; version: string; semanticVersion: string; informationUri: string; rules: SarifReportingDescriptor[] } };
    columnKind: "utf16CodeUnits";
    results: SarifResult[];
  }>;
}

const ruleIndexByCode = new Map(allRules.map((rule, index) => [rule.code, index]));

/**
 * Builds the SARIF log of `diagnostics`. File paths are made relative to `root` (the directory the
 * workflow checks out, normally the current directory) and anchored at `%SRCROOT%`, as code scanning expects.
 */
export function sarifLog(diagnostics: readonly Diagnostic[], root: string = process.cwd()): SarifLog {
  const packageInfo = fsmcManifest();
  // Where a reader of a code scanning alert learns about the tool.
  const informationUri = packageInfo.homepage ?? `https://www.npmjs.com/package/${packageInfo.name}`;
  return {
    $schema: sarifSchemaUri,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "fsmc",
            version: packageInfo.version,
            semanticVersion: packageInfo.version,
            informationUri,
            rules: allRules.map((rule) => ({
              id: rule.code,
              name: rule.name,
              shortDescription: { text: rule.title },
              fullDescription: { text: `${rule.title} ${rule.help}` },
              help: { text: rule.help },
              defaultConfiguration: { level: rule.severity },
            })),
          },
        },
        columnKind: "utf16CodeUnits",
        results: diagnostics.map((d) => sarifResult(d, root)),
      },
    ],
  };
}

export function renderSarif(diagnostics: readonly Diagnostic[], root: string = process.cwd()): string {
  return `${JSON.stringify(sarifLog(diagnostics, root), null, 2)}\n`;
}

function sarifResult(d: Diagnostic, root: string): SarifResult {
  return {
    ruleId: d.code,
    // A code missing from the catalog would be a compiler bug; -1 is SARIF's "no index".
    ruleIndex: ruleIndexByCode.get(d.code) ?? -1,
    level: d.severity,
    message: { text: d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(d.file, root),
          region: {
            startLine: d.range.start.line,
            startColumn: d.range.start.column,
            endLine: d.range.end.line,
            endColumn: d.range.end.column,
          },
        },
      },
    ],
  };
}

/** A relative, forward-slash, percent-encoded URI under `%SRCROOT%`; a file outside `root` gets an absolute file URI. */
export function artifactLocation(file: string, root: string): { uri: string; uriBaseId?: string } {
  const relativePath = normalize(isAbsolute(file) ? relative(root, file) : file);
  const segments = relativePath.split(sep).filter((s) => s !== "" && s !== ".");
  if (isAbsolute(relativePath) || segments[0] === "..") return { uri: pathToFileURL(resolve(root, file)).href };
  return { uri: segments.map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
}
