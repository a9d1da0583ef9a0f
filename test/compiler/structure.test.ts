// Dependencies between the layers point one way (docs/architecture.md): every import of grammar/, compiler/ and runtime/ is read and held to its layer's rule.
import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, posix } from "node:path";

import { ts } from "ts-morph";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { repoRoot } from "../support/run-fsmc.js";

/** One module specifier of a file, as written, with the line it is on. */
interface Import {
  specifier: string;
  line: number;
  /** `import type`, `export type … from` or `import("…").T`: erased from the JavaScript. */
  typeOnly: boolean;
}

/** Every specifier of `text`: static imports and exports, `import x = require()`, `require()`, `import()` (also in types) and `/// <reference path>`. */
function readImports(path: string, text: string): Import[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const typeOnly = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) typeOnly.add(node.moduleSpecifier.getStart(file));
    if (ts.isExportDeclaration(node) && node.isTypeOnly && node.moduleSpecifier) typeOnly.add(node.moduleSpecifier.getStart(file));
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) typeOnly.add(node.argument.literal.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  const found = ts.preProcessFile(text, true, true);
  return [...found.importedFiles, ...found.referencedFiles].map((ref) => ({
    specifier: ref.fileName,
    line: file.getLineAndCharacterOfPosition(ref.pos).line + 1,
    typeOnly: typeOnly.has(ref.pos),
  }));
}

/** Where a specifier leads: a top directory of the repository ("outside" above it), a built-in module, or a package. */
type Target = { kind: "dir"; dir: string } | { kind: "builtin" } | { kind: "package"; name: string };

/** The fsmc package's own names resolve to its sources (package.json `exports`, tsconfig `paths`). */
const selfReferences: Record<string, string> = { fsmc: "compiler", "fsmc/runtime": "runtime" };

function targetOf(file: string, specifier: string): Target {
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const resolved = posix.normalize(specifier.startsWith("/") ? specifier : posix.join(posix.dirname(file), specifier));
    return { kind: "dir", dir: resolved.startsWith("../") || resolved.startsWith("/") ? "outside" : resolved.split("/")[0]! };
  }
  const self = selfReferences[specifier];
  if (self !== undefined) return { kind: "dir", dir: self };
  if (isBuiltin(specifier)) return { kind: "builtin" };
  const parts = specifier.split("/");
  return { kind: "package", name: specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]! };
}

interface Rule {
  /** Top directories of the repository the layer must not import from ("outside" is always refused). */
  forbidden: readonly string[];
  /** Packages the layer must not import (the runtime's package, @fsmc/runtime, is how compiler/ reaches the runtime). */
  forbiddenPackages?: readonly string[];
  /** When present, the only packages the layer may import (built-in modules are always allowed). */
  packages?: readonly string[];
}

const rules: Readonly<Record<string, Rule>> = {
  grammar: { forbidden: ["compiler", "runtime", "generated", "test", "bench"], forbiddenPackages: ["@fsmc/runtime"] },
  // The CLI's `flows` commands and `fsmc/runtime` use the runtime as any project does: through its package's entry points.
  compiler: { forbidden: ["runtime", "generated", "test", "bench"] },
  // runtime/ is the @fsmc/runtime package: it ships alone, so it may load only its own dependencies.
  runtime: {
    forbidden: ["compiler", "grammar", "generated", "test", "bench"],
    packages: ["ioredis", "redlock", "ajv", "canonicalize", "prom-client"],
  },
};

/** `file:line: 'specifier' (why)` for every import of `file` (repository-relative) that breaks the rule of its layer. */
function offences(file: string, text: string): string[] {
  const layer = file.split("/")[0]!;
  const rule = rules[layer];
  if (rule === undefined) return [];
  const found: string[] = [];
  for (const { specifier, line } of readImports(file, text)) {
    const target = targetOf(file, specifier);
    let why: string | undefined;
    if (target.kind === "dir" && target.dir === "outside") why = "outside the repository";
    else if (target.kind === "dir" && rule.forbidden.includes(target.dir)) why = `${layer}/ must not import ${target.dir}/`;
    else if (target.kind === "package" && rule.forbiddenPackages?.includes(target.name)) why = `${layer}/ must not import ${target.name}`;
    else if (target.kind === "package" && rule.packages !== undefined && !rule.packages.includes(target.name)) {
      why = `${layer}/ may import only ${rule.packages.join(", ")} and built-in modules, not ${target.name}`;
    }
    if (why !== undefined) found.push(`${file}:${line}: '${specifier}' (${why})`);
  }
  return found;
}

/** Repository-relative paths of the TypeScript and JavaScript files under `dir`. */
function sourceFiles(dir: string): string[] {
  return (
    readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" })
      .map((f) => posix.join(dir, f.split("\\").join("/")))
      // What a build writes (runtime/dist/) and what npm installs are not sources.
      .filter((f) => !/(?:^|\/)(?:dist|node_modules)\//.test(f))
      .filter((f) => /\.(?:[cm]?ts|[cm]?js)$/.test(f))
      .sort()
  );
}

function layerOffences(layer: string): string[] {
  const files = sourceFiles(layer);
  assert.ok(files.length > 0, `no source files found under ${layer}/`);
  return files.flatMap((file) => offences(file, readFileSync(join(repoRoot, file), "utf8")));
}

test("grammar/ imports nothing from compiler/, runtime/, generated/, test/ or bench/", () => {
  assert.equal(layerOffences("grammar"), []);
});

test("runtime/ imports only its own files, built-in modules, ioredis, redlock, ajv, canonicalize and prom-client", () => {
  assert.equal(layerOffences("runtime"), []);
});

test("compiler/ imports nothing from runtime/, generated/, test/ or bench/", () => {
  assert.equal(layerOffences("compiler"), []);
});

test("every form of import is read, and each offending one is named with its file and line", () => {
  const text = [
    `import { parseSource } from "../grammar/parse.js";`,
    `import type { FileAst } from "../compiler/ast.js";`,
    `export { check } from "../compiler/check.js";`,
    `export type * from "../generated/index.js";`,
    `const lazy = await import("../test/support/redis.js");`,
    `type Lazy = typeof import("../bench/run.js");`,
    `import fs = require("../runtime/index.js");`,
    `const elsewhere = require("../../elsewhere/thing.js");`,
    `import { FlowRuntime } from "fsmc/runtime";`,
  ].join("\n");
  assert.equal(offences("grammar/example.ts", text), [
    "grammar/example.ts:2: '../compiler/ast.js' (grammar/ must not import compiler/)",
    "grammar/example.ts:3: '../compiler/check.js' (grammar/ must not import compiler/)",
    "grammar/example.ts:4: '../generated/index.js' (grammar/ must not import generated/)",
    "grammar/example.ts:5: '../test/support/redis.js' (grammar/ must not import test/)",
    "grammar/example.ts:6: '../bench/run.js' (grammar/ must not import bench/)",
    "grammar/example.ts:7: '../runtime/index.js' (grammar/ must not import runtime/)",
    "grammar/example.ts:8: '../../elsewhere/thing.js' (outside the repository)",
    "grammar/example.ts:9: 'fsmc/runtime' (grammar/ must not import runtime/)",
  ]);
});

test("runtime/ may load only its own packages, and not even its own package name", () => {
  const text = [
    `import { readFileSync } from "node:fs";`,
    `import { Redis } from "ioredis";`,
    `import Ajv from "ajv/dist/2020.js";`,
    `import type { Argv } from "yargs";`,
    `import { Project } from "ts-morph";`,
    `import { parseSource } from "fsmc";`,
    `import { inspectFlow } from "@fsmc/runtime/operations";`,
  ].join("\n");
  const why = "runtime/ may import only ioredis, redlock, ajv, canonicalize, prom-client and built-in modules";
  assert.equal(offences("runtime/example.ts", text), [
    `runtime/example.ts:4: 'yargs' (${why}, not yargs)`,
    `runtime/example.ts:5: 'ts-morph' (${why}, not ts-morph)`,
    "runtime/example.ts:6: 'fsmc' (runtime/ must not import compiler/)",
    `runtime/example.ts:7: '@fsmc/runtime/operations' (${why}, not @fsmc/runtime)`,
  ]);
});

test("compiler/ reaches the runtime through its package only; grammar/ not at all", () => {
  const text = [
    `import { inspectFlow } from "@fsmc/runtime/operations";`,
    `export * from "@fsmc/runtime";`,
    `import { flowKeys } from "../runtime/keys.js";`,
  ].join("\n");
  assert.equal(offences("compiler/example.ts", text), ["compiler/example.ts:3: '../runtime/keys.js' (compiler/ must not import runtime/)"]);
  assert.equal(offences("grammar/example.ts", text), [
    "grammar/example.ts:1: '@fsmc/runtime/operations' (grammar/ must not import @fsmc/runtime)",
    "grammar/example.ts:2: '@fsmc/runtime' (grammar/ must not import @fsmc/runtime)",
    "grammar/example.ts:3: '../runtime/keys.js' (grammar/ must not import runtime/)",
  ]);
});

test.run();
