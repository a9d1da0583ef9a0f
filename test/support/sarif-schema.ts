// Validates SARIF logs against the published SARIF 2.1.0 JSON Schema (see test/fixtures/sarif/README.md).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import ajvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";

// Both packages are CommonJS: under NodeNext their ES default export is the `default` property.
const Ajv04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
// unicodeRegExp off: one pattern of the published schema (`language`) is not valid in JavaScript's unicode (u) regular expression mode.
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The schema violations of `log`, one per line; empty when it is a valid SARIF 2.1.0 log. */
export function sarifSchemaErrors(log: unknown): string {
  return validate(log) ? "" : ajv.errorsText(validate.errors, { separator: "\n" });
}
