#!/usr/bin/env node
// Entry point of the `fsmc` command: runs the compiled CLI in dist/. In a clone, `npm ci` builds dist/ and
// `npm run build` rebuilds it after a change to the sources.
import { existsSync, readFileSync } from "node:fs";
import module from "node:module";

// Node 22.1 and later keep the compiled code of the CLI's modules between runs (a no-op elsewhere).
module.enableCompileCache?.();

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "--version") {
  // The commonest probe of an installed tool answers without loading the command line.
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const bundle = new URL("../dist/cli/bin.js", import.meta.url);
  if (!existsSync(bundle)) {
    process.stderr.write("fsmc: dist/ is missing: run `npm run build` in the fsmc checkout\n");
    process.exit(1);
  }
  const cli = await import(bundle.href);
  process.exitCode = await cli.main(args);
}
