// `fsmc diff`: what deploying new specs does to flows still running the old ones (specs or a definition stored in Redis), reported like `fsmc check`.
import type { Argv, CommandModule } from "yargs";

import type { Diagnostic } from "../../grammar/ast.js";
import { hasErrors, sortDiagnostics } from "../../grammar/diagnostics.js";
import type { DiffMachine } from "../diff/diff-machines.js";
import { renderDiagnostics } from "../render/format.js";
import { checkFormats, type CheckFormat } from "./check.js";
import { readSpecSources, type SpecSources } from "./inputs.js";
import { UsageError } from "./usage-error.js";

interface DiffArgs {
  old?: string;
  new?: string;
  from?: string[];
  to?: string[];
  redis?: string;
  "key-prefix"?: string;
  format: CheckFormat;
  strict: boolean;
}

const epilog = `Compares each machine of the old specs with the machine of the same name in the new
ones, as the definitions 'fsmc compile' builds (doc comments and layout do not count), and reports
what the change does to flows still running the old version (flows end on the version they
started on):
  errors    FSM601 changed, version not raised   FSM602 version went down
            FSM606 an event as old senders send it is refused
            FSM611 a context field newly required
  warnings  FSM603 machine removed   FSM604 state removed   FSM605 event removed
            FSM607 an event field narrowed   FSM608 timer removed or re-timed
            FSM609 deadline removed or changed   FSM610 guard or action removed
            FSM612 a context field narrowed
A report points at the new spec where the thing is still written, else at the old spec, else
(old side from Redis) at the nearest thing in the new spec. Output as for 'fsmc check'.

--redis <url> <Machine>@<version>: the old side is field <version> of the Redis hash
fsm:def:{<Machine>} (the definition as JSON), compared with <Machine> in the new specs; --key-prefix
names the runtimes' key prefix when they have one (the hash is then <prefix>fsm:def:{<Machine>}).

Exit status: 0 no errors (and no warnings with --strict); 1 errors (or warnings with --strict),
specs with check errors (nothing compared), a path that cannot be read (named, with the reason),
or a definition that cannot be read from Redis (address, key and version named); 2 usage error.`;

interface Sides {
  before: { paths: string[] } | { redis: string; keyPrefix: string; machine: string; version: number };
  after: string[];
}

// The comparison, the spec reader and the Redis client are loaded on use: the other commands never need them.
const storedDefinitions = () => import("../diff/stored-definition.js");

async function sides(args: DiffArgs): Promise<Sides> {
  if (args.old !== undefined && args.from !== undefined) throw new UsageError("give the old side once: as <old> or with --from, not both");
  if (args.new !== undefined && args.to !== undefined) throw new UsageError("give the new side once: as <new> or with --to, not both");
  const after = args.to ?? (args.new !== undefined ? [args.new] : undefined);
  if (args.redis !== undefined) {
    if (args.from !== undefined) throw new UsageError("--from names old specs; with --redis the old side is <Machine>@<version>");
    if (args.old === undefined || after === undefined)
      throw new UsageError("with --redis, name the stored definition and the new specs: fsmc diff --redis <url> <Machine>@<version> <new>");
    const ref = (await storedDefinitions()).parseDefinitionRef(args.old);
    if (!ref) throw new UsageError(`expected <Machine>@<version> such as CallQueue@3, found ${JSON.stringify(args.old)}`);
    if (!/^rediss?:\/\/./.test(args.redis)) throw new UsageError(`invalid --redis ${JSON.stringify(args.redis)}: expected a URL like redis://127.0.0.1:6379`);
    const keyPrefix = args["key-prefix"] ?? "";
    if (/[{}]/.test(keyPrefix)) throw new UsageError(`invalid --key-prefix ${JSON.stringify(keyPrefix)}: a key prefix holds no '{' or '}'`);
    return { before: { redis: args.redis, keyPrefix, ...ref }, after };
  }
  if (args["key-prefix"] !== undefined) throw new UsageError("--key-prefix goes with --redis: it names the runtimes' key prefix in that Redis");
  const before = args.from ?? (args.old !== undefined ? [args.old] : undefined);
  if (before === undefined || after === undefined)
    throw new UsageError("name the old and the new specs: fsmc diff <old> <new>, or --from <paths..> --to <paths..>");
  return { before: { paths: before }, after };
}

/** The machines of one side, or the errors (undecodable files, check errors) that keep it from being compared. */
async function machinesOf(read: SpecSources): Promise<{ machines: Required<DiffMachine>[]; errors: Diagnostic[] }> {
  const decoding = read.diagnostics.filter((d) => d.severity === "error");
  const { specMachines } = await import("../diff/spec-machines.js");
  const { machines, errors } = specMachines(read.sources);
  return decoding.length > 0 ? { machines: [], errors: [...decoding, ...errors] } : { machines, errors };
}

/** The old side read from Redis; undefined, with one line on stderr and exit code 1, when it cannot be read. */
async function storedMachine(stored: { redis: string; keyPrefix: string; machine: string; version: number }): Promise<DiffMachine | undefined> {
  const { readStoredDefinition, StoredDefinitionError } = await storedDefinitions();
  try {
    return { definition: await readStoredDefinition(stored.redis, stored, stored.keyPrefix) };
  } catch (error) {
    if (!(error instanceof StoredDefinitionError)) throw error;
    process.stderr.write(`fsmc diff: ${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: "diff [old] [new]",
  describe: "Report what deploying new specs does to flows running the old version",
  builder: (yargs: Argv) =>
    yargs
      .positional("old", { describe: "the old specs (a file or a directory), or <Machine>@<version> with --redis", type: "string" })
      .positional("new", { describe: "the new specs (a file or a directory)", type: "string" })
      .option("from", { describe: "the old specs, when there are several paths", type: "string", array: true, requiresArg: true })
      .option("to", { describe: "the new specs, when there are several paths", type: "string", array: true, requiresArg: true })
      .option("redis", { describe: "read the old definition from this Redis (the old side is then <Machine>@<version>)", type: "string", requiresArg: true })
      .option("key-prefix", { describe: "with --redis: the runtimes' key prefix (the keyPrefix of their ioredis options)", type: "string", requiresArg: true })
      .option("format", { alias: "f", describe: "output format", choices: checkFormats, default: "text" as CheckFormat })
      .option("strict", { describe: "treat warnings as errors (exit 1 when there are any)", type: "boolean", default: false })
      .example("$0 diff deployed/call-queue.fsm specs/call-queue.fsm", "compare two versions of a spec")
      .example("$0 diff --from old/a.fsm old/b.fsm --to specs", "several paths per side")
      .example("$0 diff --redis redis://10.0.0.7:6379 CallQueue@3 specs", "compare with the definition stored in Redis")
      .epilog(epilog) as unknown as Argv<DiffArgs>,
  handler: async (args) => {
    const { before, after } = await sides(args);
    const oldRead = "paths" in before ? readSpecSources(before.paths) : undefined;
    const newRead = readSpecSources(after);
    const sources = [...(oldRead ? [...oldRead.sources, ...oldRead.undecodable] : []), ...newRead.sources, ...newRead.undecodable];
    const fileCount = (oldRead?.files.length ?? 0) + newRead.files.length;
    const newSide = await machinesOf(newRead);
    const oldSide = oldRead ? await machinesOf(oldRead) : undefined;
    const errors = sortDiagnostics([...(oldSide?.errors ?? []), ...newSide.errors]);
    if (errors.length > 0) {
      process.stdout.write(renderDiagnostics(args.format, errors, sources, fileCount));
      process.stderr.write("fsmc diff: nothing compared: the specs have errors ('fsmc check' reports them too)\n");
      process.exitCode = 1;
      return;
    }
    let oldMachines: DiffMachine[] = oldSide?.machines ?? [];
    if ("redis" in before) {
      const stored = await storedMachine(before);
      if (!stored) return;
      // Named on purpose: a machine the new specs lack is a wrong path or a rename, not a removal to warn about.
      if (!newSide.machines.some((m) => m.definition.name === before.machine)) {
        process.stderr.write(
          `fsmc diff: no machine ${before.machine} in ${newRead.files.join(", ") || "the new specs"}: nothing to compare with version ${before.version} from Redis\n`,
        );
        process.exitCode = 1;
        return;
      }
      oldMachines = [stored];
    }
    // A machine only in Redis has no place in any spec: its report goes at the top of the first new file.
    const start = { offset: 0, line: 1, column: 1 };
    const nowhere = { file: newRead.files[0] ?? "", range: { start, end: start } };
    const { diffMachines } = await import("../diff/diff-machines.js");
    const diagnostics = diffMachines(oldMachines, newSide.machines, nowhere);
    process.stdout.write(renderDiagnostics(args.format, diagnostics, sources, fileCount));
    process.exitCode = hasErrors(diagnostics) || (args.strict && diagnostics.length > 0) ? 1 : 0;
  },
};
