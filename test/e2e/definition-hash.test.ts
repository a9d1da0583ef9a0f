// Every generated definition carries the content hash the runtime computes from it, and its module's header names it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { test } from "uvu";
import * as assert from "uvu/assert";

import type { MachineDefinition } from "../../runtime/definition.js";
import { definitionHash } from "../../runtime/definition-hash.js";
import { repoRoot } from "../support/run-fsmc.js";

const directories = ["generated", "test/fixtures/emit/expected"];

function isDefinition(value: unknown): value is MachineDefinition {
  return typeof value === "object" && value !== null && "states" in value && "initial" in value && "schemas" in value;
}

for (const directory of directories) {
  const modules = readdirSync(join(repoRoot, directory))
    .filter((f) => f.endsWith(".ts") && f !== "index.ts")
    .sort();

  test(`${directory} holds generated modules`, () => {
    assert.ok(modules.length > 0);
  });

  for (const file of modules) {
    const path = join(repoRoot, directory, file);

    test(`${directory}/${file}: the definition's hash is the runtime's definitionHash of it`, async () => {
      const exported = Object.values((await import(pathToFileURL(path).href)) as Record<string, unknown>).filter(isDefinition);
      assert.is(exported.length, 1, "one definition per module");
      const definition = exported[0]!;
      assert.is(definition.hash, definitionHash(definition));
    });

    test(`${directory}/${file}: the module's header cites the same hash`, async () => {
      const definition = Object.values((await import(pathToFileURL(path).href)) as Record<string, unknown>).find(isDefinition);
      const header = readFileSync(path, "utf8").split("*/")[0] ?? "";
      assert.ok(definition?.hash !== undefined && header.includes(`content hash \`${definition.hash}\``), header);
    });
  }
}

test.run();
