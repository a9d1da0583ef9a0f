// The fsmc library: parse and check `.fsm` sources, compile them to TypeScript.
export type * from "./ast.js";
export { rules, allRules, sortDiagnostics, hasErrors, type DiagnosticRule, type DiagnosticCode } from "./diagnostics.js";
