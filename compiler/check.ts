// Parses `.fsm` sources and runs every check family over all their machines together.
import type { Diagnostic, FileAst, MachineAst, SourceFile } from "../grammar/ast.js";
import { sortDiagnostics } from "../grammar/diagnostics.js";
import { parseSource } from "../grammar/parse.js";
import { checkDeterminism } from "./checks/determinism.js";
import { checkGeneratedNames } from "./checks/generated-names.js";
import { checkLiveness } from "./checks/liveness.js";
import { checkMigrations, checkMigrationsAgainstPrevious, checkMigrationTargets } from "./checks/migrations.js";
import { checkNames } from "./checks/names.js";
import { checkNumbers } from "./checks/numbers.js";
import { checkReachability } from "./checks/reachability.js";
import { checkReferences } from "./checks/references.js";
import { checkRequiredStates, checkStructure } from "./checks/structure.js";
import { checkTypes } from "./checks/types.js";
import { checkUsage } from "./checks/usage.js";

export interface Analysis {
  files: FileAst[];
  /** Syntax and check diagnostics of every source, sorted by file and position. */
  diagnostics: Diagnostic[];
}

/**
 * Machines with no syntax error between their start and the next machine's start. Error
 * recovery may drop declarations of a broken machine, so checks that report something
 * missing (an undeclared name, no initial or final state, unreachable or unused things)
 * would only echo the syntax error; they wait until the machine parses whole.
 */
function machinesWithoutSyntaxErrors(file: FileAst, syntaxErrors: readonly Diagnostic[]): MachineAst[] {
  const offsets = syntaxErrors
    .filter((d) => d.code === "FSM001" && d.file === file.path)
    .map((d) => d.range.start.offset)
    .sort((a, b) => a - b);
  // Machines and error offsets both ascend: one merged pass instead of a scan of every error per machine.
  let next = 0;
  return file.machines.filter((machine, i) => {
    const start = machine.range.start.offset;
    const end = file.machines[i + 1]?.range.start.offset ?? Number.POSITIVE_INFINITY;
    while (next < offsets.length && offsets[next]! < start) next++;
    return !(next < offsets.length && offsets[next]! < end);
  });
}

/**
 * Runs every check family over `machines`, all compiled together. Checks of what is written
 * run on every machine; checks of what is missing only on `intact` ones (no syntax errors).
 */
export function checkMachines(machines: readonly MachineAst[], intact: readonly MachineAst[] = machines): Diagnostic[] {
  const determinism = checkDeterminism(machines, intact);
  return [
    ...checkNames(machines),
    ...checkGeneratedNames(machines),
    ...checkStructure(machines),
    ...checkTypes(machines),
    ...checkNumbers(machines),
    ...checkMigrations(machines),
    ...determinism.order,
    ...checkReferences(intact),
    ...checkMigrationTargets(intact),
    ...checkRequiredStates(intact),
    ...determinism.coverage,
    ...checkReachability(intact),
    ...checkLiveness(intact),
    ...checkUsage(intact),
  ];
}

export interface AnalyzeOptions {
  /**
   * Specs of older versions (`fsmc check --previous`): each `migrate from N` block is checked against the machine
   * of its name and version N among them. They are checked too, each file on its own (several versions of a machine
   * may be given), and their errors are reported under their own paths.
   */
  previous?: readonly SourceFile[];
}

/**
 * The machines of the older specs that can be compared with, parsed whole; each file's errors go to `diagnostics`.
 * Warnings are left out: an older version is deployed as it is, and the run is about the new one.
 */
function previousMachines(sources: readonly SourceFile[], diagnostics: Diagnostic[]): MachineAst[] {
  const machines: MachineAst[] = [];
  for (const source of sources) {
    const parsed = parseSource(source);
    const intact = machinesWithoutSyntaxErrors(parsed.ast, parsed.diagnostics);
    for (const d of [...parsed.diagnostics, ...checkMachines(parsed.ast.machines, intact)]) if (d.severity === "error") diagnostics.push(d);
    machines.push(...intact);
  }
  return machines;
}

/** Parses every source and checks all machines together (machine names are unique across sources). */
export function analyze(sources: SourceFile[], options: AnalyzeOptions = {}): Analysis {
  const files: FileAst[] = [];
  const diagnostics: Diagnostic[] = [];
  const intact: MachineAst[] = [];
  for (const source of sources) {
    const parsed = parseSource(source);
    files.push(parsed.ast);
    diagnostics.push(...parsed.diagnostics);
    intact.push(...machinesWithoutSyntaxErrors(parsed.ast, parsed.diagnostics));
  }
  const machines = files.flatMap((f) => f.machines);
  diagnostics.push(...checkMachines(machines, intact));
  if (options.previous !== undefined) {
    const previous = previousMachines(options.previous, diagnostics);
    diagnostics.push(...checkMigrationsAgainstPrevious(machines, intact, previous));
  }
  return { files, diagnostics: sortDiagnostics(diagnostics) };
}

/** The diagnostics of `sources` (and of `options.previous`), sorted; empty when they are clean. */
export function check(sources: SourceFile[], options: AnalyzeOptions = {}): Diagnostic[] {
  return analyze(sources, options).diagnostics;
}
