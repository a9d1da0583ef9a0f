// Loads the redlock package's code: tsx follows the tsconfig `paths` entry for "redlock" to its .d.ts (types only), so
// a plain import would load no code. The ESM build is found the way Node would, walking up the node_modules folders.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type * as RedlockModule from "redlock";

function findRedlockEntry(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const entry = join(dir, "node_modules", "redlock", "dist", "esm", "index.js");
    if (existsSync(entry)) return entry;
    if (dirname(dir) === dir) throw new Error("the redlock package is not installed (needed for Redlock mode: the `locks` option)");
  }
}

const redlock = (await import(pathToFileURL(findRedlockEntry()).href)) as typeof RedlockModule;

export const Redlock = redlock.default;
export const ResourceLockedError = redlock.ResourceLockedError;
export type Redlock = RedlockModule.default;
export type Lock = RedlockModule.Lock;
