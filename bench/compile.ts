// The `compile` benchmark: parse, check and compile time of synthetic specs of 100, 1,000 and 5,000 states, against `tsc --noEmit` of the output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

import { check } from "../compiler/check.js";
import { compile } from "../compiler/compile.js";
import type { SourceFile } from "../grammar/ast.js";
import { parseSource } from "../grammar/parse.js";
import { syntheticSpec } from "./synthetic.js";

export const sizes = [100, 1_000, 5_000];
/** Timed runs per stage and size (after one warm-up run); the median is reported. */
export const rounds = 7;
/** The target of BENCHMARKS.md: a 5,000-state spec checked in at most this many milliseconds. */
export const checkTargetMs = 500;

/** Parse only: tokens and AST, no checks. */
export function parseStage(source: SourceFile): void {
  const { diagnostics } = parseSource(source);
  if (diagnostics.length > 0) throw new Error(`synthetic spec does not parse clean: ${diagnostics[0]?.message}`);
}

/** Everything `fsmc check` does after reading the file: parse, build the AST, run every check. */
export function checkStage(source: SourceFile): void {
  const diagnostics = check([source]);
  if (diagnostics.length > 0) throw new Error(`synthetic spec does not check clean: ${diagnostics[0]?.code} ${diagnostics[0]?.message}`);
}

export interface Stage {
  /** Column heading of the stage's median time. */
  name: string;
  run: (source: SourceFile) => void;
}

/** The measured stages, in column order; further stages (compile, tsc) append themselves here. */
export const stages: Stage[] = [
  { name: "parse", run: parseStage },
  { name: "check", run: checkStage },
];

/** Everything `fsmc compile` does after reading the file: check, then emit every module (ts-morph). */
export function compileStage(source: SourceFile): void {
  const result = compile([source]);
  if (result.files.length === 0) throw new Error(`synthetic spec does not compile: ${result.diagnostics[0]?.message}`);
}

/** The compile target of BENCHMARKS.md: compile time at most this multiple of `tsc --noEmit` on its output. */
export const compileTargetRatio = 2;

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const tscProjects = new Map<string, string>();

/** A temporary project holding the compile output of `source`, written once per spec. */
function tscProject(source: SourceFile): string {
  const known = tscProjects.get(source.path);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), "fsmc-bench-tsc-"));
  if (tscProjects.size === 0)
    process.on("exit", () => {
      for (const d of tscProjects.values()) rmSync(d, { recursive: true, force: true });
    });
  for (const file of compile([source]).files) writeFileSync(join(dir, file.path), file.text);
  const compilerOptions = {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "Bundler",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    // The generated modules import only these types from the runtime.
    paths: { "fsmc/runtime": [join(repoRoot, "runtime/definition.ts")] },
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  tscProjects.set(source.path, dir);
  return dir;
}

/** Baseline: `tsc --noEmit` (typescript 7, native) type-checking the generated output of the same spec. */
export function tscStage(source: SourceFile): void {
  const run = spawnSync(join(repoRoot, "node_modules/.bin/tsc"), ["--noEmit", "-p", tscProject(source)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`tsc rejects the generated output:\n${run.stdout}${run.stderr}`);
}

stages.push({ name: "compile", run: compileStage }, { name: "tsc", run: tscStage });

export interface Timing {
  /** Median wall-clock milliseconds. */
  wallMs: number;
  /** Median CPU milliseconds of this process (user + system); less disturbed than wall time on a busy machine. */
  cpuMs: number;
}

/** Median wall and CPU time of `count` runs of `run`, after one warm-up run. */
export function medianTiming(run: () => void, count = rounds): Timing {
  run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    run();
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export interface SizeResult {
  states: number;
  lines: number;
  /** Median timing per stage name. */
  timings: Record<string, Timing>;
}

export function measure(states: number): SizeResult {
  const text = syntheticSpec(states);
  const source: SourceFile = { path: `synthetic-${states}.fsm`, text };
  const timings: Record<string, Timing> = {};
  for (const stage of stages) timings[stage.name] = medianTiming(() => stage.run(source));
  return { states, lines: text.split("\n").length, timings };
}

const missing: Timing = { wallMs: Number.NaN, cpuMs: Number.NaN };

/** Compile time ÷ tsc time of its output, both wall clock (tsc runs as a child process, so its CPU is not this process's). */
function compileVersusTsc(r: SizeResult): string {
  const ratio = (r.timings["compile"] ?? missing).wallMs / (r.timings["tsc"] ?? missing).wallMs;
  return `${ratio.toFixed(2)}× (${ratio <= compileTargetRatio ? "met" : "missed"})`;
}

export function markdownTable(results: readonly SizeResult[]): string {
  const header = [
    "states",
    "lines",
    "parse wall (ms)",
    "parse cpu (ms)",
    "parse lines/s (cpu)",
    "check wall (ms)",
    "check cpu (ms)",
    "check ÷ parse (cpu)",
    `check vs ${checkTargetMs} ms target (cpu)`,
    "compile wall (ms)",
    "compile cpu (ms)",
    "tsc --noEmit of output wall (ms)",
    `compile ÷ tsc (wall; target ≤ ${compileTargetRatio}×)`,
  ];
  const rows = results.map((r) => {
    const parse = r.timings["parse"] ?? missing;
    const checked = r.timings["check"] ?? missing;
    return [
      r.states.toLocaleString("en-US"),
      r.lines.toLocaleString("en-US"),
      parse.wallMs.toFixed(0),
      parse.cpuMs.toFixed(0),
      Math.round(r.lines / (parse.cpuMs / 1000)).toLocaleString("en-US"),
      checked.wallMs.toFixed(0),
      checked.cpuMs.toFixed(0),
      `${(checked.cpuMs / parse.cpuMs).toFixed(2)}×`,
      r.states === 5_000 ? `${(checked.cpuMs / checkTargetMs).toFixed(2)}× (${checked.cpuMs <= checkTargetMs ? "met" : "missed"})` : "",
      (r.timings["compile"] ?? missing).wallMs.toFixed(0),
      (r.timings["compile"] ?? missing).cpuMs.toFixed(0),
      (r.timings["tsc"] ?? missing).wallMs.toFixed(0),
      compileVersusTsc(r),
    ];
  });
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = sizes.map(measure);
  process.stdout.write(`Medians of ${rounds} runs after a warm-up, one process (Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}).\n\n`);
  process.stdout.write(`${markdownTable(results)}\n`);
}
