// The self-check of the direct way of building ioredis commands: kept when ioredis writes, routes and decodes such a command right, else the documented way, else a ConfigurationError.
import { Command } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { chooseCommandBuilder, TESTED_IOREDIS_RANGE } from "../../runtime/direct-command.js";
import { ConfigurationError } from "../../runtime/index.js";

/** An ioredis that keeps its own copy of the arguments it was constructed with and writes that copy. */
class CopyingCommand extends Command {
  private readonly copied = [...this.args];

  override toWritable(socket: object): string | Buffer {
    const given = this.args;
    this.args = this.copied;
    try {
      return super.toWritable(socket);
    } finally {
      this.args = given;
    }
  }
}

/** An ioredis whose commands are written in a way the runtime does not know. */
class ForeignCommand extends Command {
  override toWritable(): string {
    return "*1\r\n$4\r\nPING\r\n";
  }
}

test("the installed ioredis passes the check: commands are built the direct way", () => {
  assert.equal(chooseCommandBuilder(), { mode: "direct" });
});

test("an ioredis that would not write the arguments given after construction gets them in the constructor, with a warning naming its version and the tested range", () => {
  const chosen = chooseCommandBuilder(CopyingCommand, "6.9.0");
  assert.is(chosen.mode, "constructed");
  const warning = chosen.mode === "constructed" ? chosen.warning : "";
  assert.match(warning, "ioredis 6.9.0");
  assert.match(warning, `ioredis ${TESTED_IOREDIS_RANGE}, which the runtime is tested with`);
  assert.match(warning, "it would write");
});

test("an ioredis that writes neither kind of command as Redis needs is a ConfigurationError naming its version and the tested range", () => {
  try {
    chooseCommandBuilder(ForeignCommand, "7.0.0");
    assert.unreachable("the check passed");
  } catch (error) {
    assert.instance(error, ConfigurationError);
    assert.is((error as ConfigurationError).code, "CONFIGURATION_INVALID");
    assert.match((error as Error).message, "ioredis 7.0.0");
    assert.match((error as Error).message, `tested with ioredis ${TESTED_IOREDIS_RANGE}`);
  }
});

test.run();
