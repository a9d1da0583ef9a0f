// Specification of how command-line paths become spec files: directory search, order, duplicates, errors.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { test } from "uvu";
import * as assert from "uvu/assert";

import { collectSpecFiles, readSpecSources } from "../../compiler/cli/inputs.js";
import { OperationError } from "../../compiler/cli/main.js";

const root = mkdtempSync(join(tmpdir(), "fsmc-inputs-"));
const at = (path: string) => join(root, path);
mkdirSync(at("specs/b/deeper"), { recursive: true });
mkdirSync(at("specs/a"), { recursive: true });
mkdirSync(at("specs/node_modules"), { recursive: true });
mkdirSync(at("specs/.git"), { recursive: true });
mkdirSync(at("empty/sub"), { recursive: true });
for (const file of [
  "specs/z.fsm",
  "specs/a/one.fsm",
  "specs/b/deeper/two.fsm",
  "specs/node_modules/dep.fsm",
  "specs/.git/hook.fsm",
  "specs/readme.md",
  "empty/sub/notes.txt",
]) {
  writeFileSync(at(file), "machine M {}\n");
}
writeFileSync(at("latin1.fsm"), Uint8Array.from([0x6d, 0xe9, 0x0a]));
symlinkSync(at("specs"), at("specs/b/loop")); // a cycle back to the top

test.after(() => rmSync(root, { recursive: true, force: true }));

test("a directory yields its .fsm files recursively in sorted order, skipping node_modules and dot-directories", () => {
  assert.equal(collectSpecFiles([at("specs")]), [at("specs/a/one.fsm"), at("specs/b/deeper/two.fsm"), at("specs/z.fsm")]);
});

test("paths keep the spelling the caller gave", () => {
  const files = collectSpecFiles([`${at("specs")}/`]);
  assert.ok(files.every((file) => file.startsWith(`${root}/specs/`) && !file.includes("//")));
});

test("a file given explicitly is taken whatever its extension", () => {
  assert.equal(collectSpecFiles([at("specs/readme.md")]), [at("specs/readme.md")]);
});

test("a file named twice, or also found in a directory given, is read once, at its first mention", () => {
  assert.equal(collectSpecFiles([at("specs/z.fsm"), at("specs"), at("specs/z.fsm")]), [at("specs/z.fsm"), at("specs/a/one.fsm"), at("specs/b/deeper/two.fsm")]);
});

test("a missing path is a failed operation naming it and the reason", () => {
  assert.throws(
    () => collectSpecFiles([at("specs"), "specs/foo.fsm"]),
    (error: unknown) => error instanceof OperationError && error.message === "cannot read specs/foo.fsm: no such file or directory (ENOENT)",
  );
});

test("a directory with no .fsm file is a failed operation naming it", () => {
  assert.throws(
    () => collectSpecFiles([at("empty")]),
    (error: unknown) => error instanceof OperationError && error.message.includes(at("empty")),
  );
});

test("a file that is not UTF-8 becomes an FSM001 diagnostic, with a lossy copy kept only for showing its line", () => {
  const read = readSpecSources([at("latin1.fsm")]);
  assert.equal(read.sources, []);
  assert.equal(
    read.diagnostics.map((d) => [d.code, d.file, d.range.start.column]),
    [["FSM001", at("latin1.fsm"), 2]],
  );
  assert.equal(read.undecodable, [{ path: at("latin1.fsm"), text: "m\ufffd\n" }]);
  assert.equal(read.files, [at("latin1.fsm")]);
});

test("readable specs are decoded into sources in file order", () => {
  const read = readSpecSources([at("specs")]);
  assert.equal(
    read.sources.map((s) => s.path),
    read.files,
  );
  assert.equal(read.diagnostics, []);
});

test.run();
