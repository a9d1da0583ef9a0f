// The version of the installed fsmc package, read from its own package.json at run time.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "fsmc";

/**
 * The `version` of the package.json of the fsmc package this file belongs to: the nearest one above
 * it named "fsmc" (from sources that is two levels up, from dist/ three). Not yargs' guess: yargs
 * reads the package.json above the first `node_modules` on its own path, which in a project that
 * installed fsmc is that project's manifest, not fsmc's.
 */
export function fsmcVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readManifest(join(dir, "package.json"));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === "string") return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
