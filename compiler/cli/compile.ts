// `fsmc compile`: checks specs and writes their typed machine modules (or a publishable package) into a directory.
import type { Argv, CommandModule } from "yargs";

import { hasErrors, sortDiagnostics } from "../../grammar/diagnostics.js";
import type { CompileOptions } from "../compile.js";
import { renderText } from "../render/text.js";
import { outputDrift, versionConflicts, writeOutput } from "./compile-output.js";
import { readSpecSources, specPathsPositional } from "./inputs.js";
import { fsmcVersion } from "../package-version.js";
import { UsageError } from "./usage-error.js";

interface CompileArgs {
  paths: string[];
  outDir: string;
  check: boolean;
  package?: string;
  version?: string;
}

const epilog = `Writes one module per machine (file name: the kebab-case of the machine name) and an index.ts.
Nothing is written when the specs have errors: the diagnostics are printed as by 'fsmc check'.
With --package into an existing package, a machine whose content changed under a version the package
already holds is refused (as the runtime refuses it): bump 'version' in the spec.

Exit status: 0 written (or, with --check, up to date); 1 spec errors, drift (with --check), a version
conflict (with --package), or a path that cannot be read or written (named, with the reason: ENOENT,
EACCES, ENOTDIR…); 2 usage error (unknown option, bad --package or --version).`;

/**
 * The version range of @fsmc/runtime a generated package asks for: the running fsmc's major (or minor
 * below 1.0). The two packages are released together under one version.
 */
function runtimeRange(semver: typeof import("semver")): string {
  const version = semver.valid(fsmcVersion()) ?? "0.1.0";
  return `^${version}`;
}

async function packageOptions(args: CompileArgs): Promise<CompileOptions> {
  if (args.package === undefined) {
    if (args.version !== undefined) throw new UsageError("--version needs --package <name>");
    return {};
  }
  // Loaded on use, as the compiler below: only `compile --package` needs them.
  const [{ default: validatePackageName }, { default: semver }] = await Promise.all([import("validate-npm-package-name"), import("semver")]);
  const name = validatePackageName(args.package);
  if (!name.validForNewPackages) {
    const reasons = [...(name.errors ?? []), ...(name.warnings ?? [])].join("; ");
    throw new UsageError(`invalid package name ${JSON.stringify(args.package)}: ${reasons}`);
  }
  const version = args.version ?? "0.1.0";
  if (semver.valid(version) === null) throw new UsageError(`invalid --version ${JSON.stringify(version)}: expected a semantic version like 1.2.3`);
  return { package: { name: args.package, version, runtimeRange: runtimeRange(semver) } };
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: "compile <paths..>",
  describe: "Compile .fsm specs to typed TypeScript machines",
  builder: (yargs: Argv) =>
    yargs
      .positional("paths", specPathsPositional)
      .option("out-dir", { alias: "o", describe: "directory to write into", type: "string", demandOption: true, requiresArg: true })
      .option("check", { describe: "write nothing; exit 1 and list the files that differ from the output directory", type: "boolean", default: false })
      .option("package", { describe: "write a publishable npm package with this name (.js, .d.ts, package.json, README)", type: "string", requiresArg: true })
      .version(false)
      .option("version", { describe: "the package's version (with --package; default 0.1.0)", type: "string", requiresArg: true })
      .example("$0 compile specs -o generated", "write one module per machine into generated/")
      .example("$0 compile specs -o generated --check", "fail when generated/ is out of date")
      .example("$0 compile specs -o dist/flows --package @acme/flows --version 1.2.0", "write an npm package")
      .epilog(epilog) as unknown as Argv<CompileArgs>,
  handler: async (args) => {
    const options = await packageOptions(args);
    // Loaded on use: ts-morph is heavy, and the other commands of the same CLI never need it.
    const { compile } = await import("../compile.js");
    const { sources, files: specFiles, diagnostics: decodeDiagnostics } = readSpecSources(args.paths);
    const result = hasErrors(decodeDiagnostics) ? { files: [], diagnostics: [] } : compile(sources, options);
    const diagnostics = sortDiagnostics([...decodeDiagnostics, ...result.diagnostics]);
    if (diagnostics.length > 0) process.stdout.write(renderText(diagnostics, sources, specFiles.length));
    if (hasErrors(diagnostics)) {
      process.stderr.write(`fsmc compile: nothing written to ${args.outDir}: the specs have errors\n`);
      process.exitCode = 1;
      return;
    }
    if (args.check) {
      const drift = outputDrift(args.outDir, result.files);
      const lines = [...drift.changed.map((p) => `drifted: ${p}`), ...drift.stale.map((p) => `stale: ${p}`)];
      if (lines.length > 0) {
        process.stdout.write(`${lines.join("\n")}\n`);
        process.stderr.write(
          `fsmc compile --check: ${args.outDir} is out of date (${lines.length} file${lines.length === 1 ? "" : "s"}); run 'fsmc compile' without --check\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${args.outDir} is up to date (${result.files.length} files)\n`);
      process.exitCode = 0;
      return;
    }
    // Into an existing package, a changed machine under a version it already holds is refused, as the runtime refuses it.
    const conflicts = options.package ? versionConflicts(args.outDir, result.files) : [];
    if (conflicts.length > 0) {
      for (const conflict of conflicts) process.stderr.write(`fsmc compile: ${conflict}\n`);
      process.stderr.write(`fsmc compile: nothing written to ${args.outDir}\n`);
      process.exitCode = 1;
      return;
    }
    const drift = writeOutput(args.outDir, result.files);
    process.stdout.write(
      `wrote ${drift.changed.length} of ${result.files.length} files to ${args.outDir}${drift.stale.length > 0 ? `, removed ${drift.stale.length} stale` : ""}\n`,
    );
    process.exitCode = 0;
  },
};
