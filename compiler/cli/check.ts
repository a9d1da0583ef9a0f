// `fsmc check`: reads specs, runs every check and prints the diagnostics as text, JSON or SARIF.
import type { Argv, CommandModule } from "yargs";

import { hasErrors, sortDiagnostics } from "../../grammar/diagnostics.js";
import { diagnosticFormats, renderDiagnostics, type DiagnosticFormat } from "../render/format.js";
import { readSpecSources, specPathsPositional } from "./inputs.js";

export const checkFormats = diagnosticFormats;
export type CheckFormat = DiagnosticFormat;

interface CheckArgs {
  paths: string[];
  format: CheckFormat;
  strict: boolean;
  previous: string[] | undefined;
}

const epilog = `Output (stdout):
  text   one "path:line:col: error|warning FSMnnn: message" header per diagnostic, the source line
         and a caret line under the range, then a summary line ("2 errors, 1 warning in 3 files").
  json   one object: { "diagnostics": [ { "file", "code", "severity", "message",
         "range": { "start": { "line", "column", "offset" }, "end": { ... } } } ],
         "summary": { "files", "errors", "warnings" } }. Lines and columns are 1-based, offsets
         0-based (UTF-16 code units); "end" is just after the last character.
  sarif  a SARIF 2.1.0 log for GitHub code scanning; file URIs relative to the current directory.
Diagnostics are sorted by file, then position.

Exit status: 0 no errors (and no warnings with --strict); 1 errors (or warnings with --strict), or a
path that cannot be read (named, with the reason: ENOENT, EACCES…) or a directory with no .fsm file;
2 usage error (unknown option, no path given, bad --format).`;

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: "check <paths..>",
  describe: "Check .fsm specs and report diagnostics",
  builder: (yargs: Argv) =>
    yargs
      .positional("paths", specPathsPositional)
      .option("format", {
        alias: "f",
        describe: "output format",
        choices: checkFormats,
        default: "text" as CheckFormat,
      })
      .option("strict", {
        describe: "treat warnings as errors (exit 1 when there are any)",
        type: "boolean",
        default: false,
      })
      .option("previous", {
        describe: "older specs (files or directories; repeat for several) to check each 'migrate from N' block against, by machine name and version N",
        type: "string",
        array: true,
        nargs: 1,
        requiresArg: true,
      })
      .example("$0 check specs", "check every .fsm file under specs/")
      .example("$0 check specs --previous deployed/specs", "also check the migrations against the deployed versions")
      .example("$0 check specs --format sarif > fsmc.sarif", "write a SARIF log for code scanning")
      .epilog(epilog) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    // Loaded on use: the parser is not needed by the other commands.
    const { check } = await import("../check.js");
    const { files, sources, diagnostics: decodeDiagnostics, undecodable } = readSpecSources(args.paths);
    // The older specs' own errors are reported under their paths, so their sources are rendered too.
    const previous = args.previous === undefined ? undefined : readSpecSources(args.previous);
    const options = previous === undefined ? {} : { previous: previous.sources };
    const diagnostics = sortDiagnostics([...decodeDiagnostics, ...(previous?.diagnostics ?? []), ...check(sources, options)]);
    const shown = [...sources, ...undecodable, ...(previous?.sources ?? []), ...(previous?.undecodable ?? [])];
    process.stdout.write(renderDiagnostics(args.format, diagnostics, shown, files.length + (previous?.files.length ?? 0)));
    const failed = hasErrors(diagnostics) || (args.strict && diagnostics.length > 0);
    process.exitCode = failed ? 1 : 0;
  },
};
