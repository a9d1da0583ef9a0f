// The command line loads only the module of the command it runs; `fsmc --help` lists the others by a summary, which must be the module's own.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { commands } from "../../compiler/cli/main.js";

test("each command's summary line is the one its module declares", async () => {
  assert.equal(Object.keys(commands), ["check", "compile", "diff", "graph", "flows", "inspector"]);
  for (const [name, entry] of Object.entries(commands)) {
    const module = await entry.load();
    assert.is(module.command, entry.command, `${name}: command`);
    assert.is(module.describe, entry.describe, `${name}: describe`);
  }
});

test.run();
