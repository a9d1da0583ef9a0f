// Turns the paths given on the command line into the `.fsm` files to read and their decoded sources.
import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";

import type { Diagnostic, SourceFile } from "../../grammar/ast.js";
import { decodeSource } from "../../grammar/source.js";
import { fileSystemError, OperationError } from "./operation-error.js";

const lenientUtf8 = new TextDecoder("utf-8", { fatal: false });

/** Directory names never searched: dependencies and dot-directories (.git, .cache, …). */
function isSkippedDirectory(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

/**
 * The spec files named by `paths`, in a stable order and each once: a file is taken whatever its
 * extension; a directory contributes every `*.fsm` below it (recursively, sorted). Paths keep the
 * spelling the caller gave (`specs` → `specs/inbound.fsm`) so diagnostics name files as the user knows them.
 * Throws `OperationError` (exit 1, not a usage error: the command line was well formed) for a path that
 * cannot be read, naming it and the OS reason, and for a directory that holds no `.fsm` file.
 */
export function collectSpecFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const identity = realpath(file);
    if (seen.has(identity)) return;
    seen.add(identity);
    files.push(file);
  };
  for (const path of paths) {
    const stats = statOrThrow(path);
    if (stats.isDirectory()) {
      const found = specFilesUnder(path, new Set([realpath(path)]));
      if (found.length === 0) throw new OperationError(`no .fsm files in directory: ${path}`);
      found.forEach(add);
    } else if (stats.isFile()) {
      add(path);
    } else {
      throw new OperationError(`cannot read ${path}: not a file or directory`);
    }
  }
  return files;
}

export interface SpecSources {
  /** Every file read, in `collectSpecFiles` order (including those that could not be decoded). */
  files: string[];
  sources: SourceFile[];
  /** Decoding diagnostics (a file that is not UTF-8 is FSM001). */
  diagnostics: Diagnostic[];
  /**
   * The files that could not be decoded, their bad bytes replaced by U+FFFD: for showing the line of a
   * decoding diagnostic only, never for checking (the replacements would hide the problem).
   */
  undecodable: SourceFile[];
}

/** Reads and decodes every spec file named by `paths` (see `collectSpecFiles`); undecodable files become diagnostics. */
export function readSpecSources(paths: readonly string[]): SpecSources {
  const files = collectSpecFiles(paths);
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const undecodable: SourceFile[] = [];
  for (const file of files) {
    const bytes = readBytes(file);
    const decoded = decodeSource(file, bytes);
    if (decoded.source) sources.push(decoded.source);
    else undecodable.push({ path: file, text: lenientUtf8.decode(bytes) });
    diagnostics.push(...decoded.diagnostics);
  }
  return { files, sources, diagnostics, undecodable };
}

function specFilesUnder(directory: string, visited: Set<string>): string[] {
  const found: string[] = [];
  const entries = listDirectory(directory).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    // Symbolic links are followed; a broken one is skipped rather than failing the whole directory.
    const stats = entry.isSymbolicLink() ? statOrUndefined(path) : entry;
    if (!stats) continue;
    if (stats.isDirectory()) {
      if (isSkippedDirectory(entry.name)) continue;
      const identity = realpath(path);
      if (visited.has(identity)) continue; // a link cycle
      visited.add(identity);
      found.push(...specFilesUnder(path, visited));
    } else if (stats.isFile() && entry.name.endsWith(".fsm")) {
      found.push(path);
    }
  }
  return found;
}

function listDirectory(directory: string) {
  try {
    return readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw fileSystemError("read directory", directory, error);
  }
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw fileSystemError("read", path, error);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileSystemError("read", path, error);
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The `<paths..>` positional shared by the commands that read specs. */
export const specPathsPositional = {
  describe: "spec files (any extension) and directories (searched recursively for *.fsm)",
  type: "string",
  array: true,
  demandOption: true,
  // Without this yargs shows "[default: []]" for a variadic positional, which is not a usable default.
  default: undefined,
} as const;
