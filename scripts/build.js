// Builds the published JavaScript and declarations: runtime/dist/ (the @fsmc/runtime package, with its Lua
// scripts) first, then dist/ (the fsmc package: what the compiler API reaches, and the CLI bundle), which
// imports the runtime package's declarations. Run by `npm ci` (prepare), `npm test`, and `npm pack` or
// `npm publish` (prepack). Type errors fail a pack, so what does not type-check is never published; elsewhere
// they are reported and the build goes on (the test suite's type check fails on them).
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = join(dirname(require.resolve("typescript/package.json")), "bin/tsc");
} catch {
  // No TypeScript (dev dependencies omitted): nothing to build with, and a packed fsmc holds dist/ already.
  process.exit(0);
}

function compile(project, outDir) {
  rmSync(join(root, outDir), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, "-p", project], { cwd: root, stdio: "inherit" });
  if (result.status === 0) return;
  console.error(`fsmc build: tsc reported type errors in ${project} (${outDir}/ was still written)`);
  if (process.env.npm_lifecycle_event === "prepack") process.exitCode = 1;
}

compile("runtime/tsconfig.build.json", "runtime/dist");
cpSync(join(root, "runtime/lua"), join(root, "runtime/dist/lua"), { recursive: true });
compile("tsconfig.build.json", "dist");

// The `fsmc` command itself: one bundle in dist/cli/, split so that each command loads only what it uses. A cold
// start then reads a few files instead of thousands (chevrotain alone is 2,400 modules unbundled, ioredis a hundred).
// ts-morph (for `compile`) stays outside it and loads on use. The `flows` commands bundle the runtime's operations
// (@fsmc/runtime/operations) and ioredis, so the Lua scripts those read go beside the bundle (lua-source.ts).
const { build } = await import("esbuild");
await build({
  entryPoints: [join(root, "compiler/cli/bin.ts")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: join(root, "dist/cli"),
  external: ["ts-morph"],
  minify: process.env.FSMC_BUILD_MINIFY !== "0",
  // Bundled CommonJS dependencies (semver, validate-npm-package-name) call require() for Node's own modules.
  banner: { js: 'import { createRequire as fsmcCreateRequire } from "node:module"; const require = fsmcCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
cpSync(join(root, "runtime/lua"), join(root, "dist/cli/lua"), { recursive: true });
