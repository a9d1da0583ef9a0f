// The fsmc library: parse and check `.fsm` sources, compile them to TypeScript.
export type * from "../grammar/ast.js";
export { rules, allRules, sortDiagnostics, hasErrors, type DiagnosticRule, type DiagnosticCode } from "../grammar/diagnostics.js";
export { parseSource } from "../grammar/parse.js";
export { decodeSource } from "../grammar/source.js";
export { analyze, check, type AnalyzeOptions } from "./check.js";
export { compile, emitErrorCode, type CompileOptions, type CompileResult, type EmittedFile, type PackageOptions } from "./compile.js";
export { renderMermaid } from "./graph/mermaid.js";
export { renderDot } from "./graph/dot.js";
export { renderText } from "./render/text.js";
export { renderJson } from "./render/json.js";
export { renderSarif } from "./render/sarif.js";
