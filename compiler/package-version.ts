// The name, version and homepage of the installed fsmc package, read from its own package.json at run time.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "fsmc";

/**
 * The `version` of the package.json of the fsmc package this file belongs to: the nearest one above
 * it named "fsmc" (from sources that is one level up, from dist/ two). Not yargs' guess: yargs
 * reads the package.json above the first `node_modules` on its own path, which in a project that
 * installed fsmc is that project's manifest, not fsmc's.
 */
export function fsmcVersion(): string {
  return fsmcManifest().version;
}

/** The fsmc package's own manifest (see fsmcVersion), read once. */
export function fsmcManifest(): FsmcManifest {
  if (manifest) return manifest;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const found = readManifest(join(dir, "package.json"));
    if (found?.name === PACKAGE_NAME && typeof found.version === "string") {
      manifest = { name: PACKAGE_NAME, version: found.version, ...(typeof found.homepage === "string" ? { homepage: found.homepage } : {}) };
      return manifest;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export interface FsmcManifest {
  name: string;
  version: string;
  homepage?: string;
}

let manifest: FsmcManifest | undefined;

function readManifest(path: string): { name?: unknown; version?: unknown; homepage?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { name?: unknown; version?: unknown; homepage?: unknown };
  } catch {
    return undefined;
  }
}
