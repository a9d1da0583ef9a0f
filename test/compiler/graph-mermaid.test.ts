// The Mermaid output of each example machine: structure checked line by line (stateDiagram-v2 statements only).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { analyze } from "../../compiler/check.js";
import { machineGraph } from "../../compiler/graph/machine-graph.js";
import { renderMermaid } from "../../compiler/graph/mermaid.js";
import type { MachineAst } from "../../grammar/ast.js";
import { repoRoot } from "../support/run-fsmc.js";

const specFiles = [
  ...readdirSync(join(repoRoot, "specs"))
    .filter((f) => f.endsWith(".fsm"))
    .map((f) => join("specs", f)),
  ...readdirSync(join(repoRoot, "test/fixtures/emit"))
    .filter((f) => f.endsWith(".fsm"))
    .map((f) => join("test/fixtures/emit", f)),
].sort();

function machinesOf(path: string): MachineAst[] {
  const { files } = analyze([{ path, text: readFileSync(join(repoRoot, path), "utf8") }]);
  return files.flatMap((f) => f.machines);
}

/** Every statement form the renderer may write; anything else would be a syntax error for Mermaid. */
const statementForms = [
  /^stateDiagram-v2$/,
  /^ {2}%% \w+$/,
  /^ {2}state "any non-final state" as \w+$/,
  /^ {2}class \w+ anyState$/,
  /^ {2}\[\*\] --> \w+$/,
  /^ {2}\w+ --> \[\*\]$/,
  /^ {2}\w+ : (entry|exit) \/ \w+(, \w+)*$/,
  /^ {2}\w+ --> \w+ : [^:;#\n]+$/,
  /^ {2}note right of \w+$/,
  /^ {4}internal: [^:;#\n]+$/,
  /^ {2}end note$/,
  /^ {2}classDef anyState stroke-dasharray: 5 5$/,
];

for (const path of specFiles) {
  test(`every line of the Mermaid diagram of ${path} is a well-formed stateDiagram-v2 statement`, () => {
    for (const machine of machinesOf(path)) {
      const lines = renderMermaid(machine).trimEnd().split("\n");
      assert.is(lines[0], "stateDiagram-v2");
      for (const line of lines)
        assert.ok(
          statementForms.some((form) => form.test(line)),
          `unexpected line: ${JSON.stringify(line)}`,
        );
      assert.is(lines.filter((l) => l.includes("note right of")).length, lines.filter((l) => l === "  end note").length, "notes are closed");
    }
  });

  test(`the Mermaid diagram of ${path} marks the initial state, every final state and every transition`, () => {
    for (const machine of machinesOf(path)) {
      const text = renderMermaid(machine);
      const initial = machine.states.find((s) => s.initial)?.name.text;
      assert.ok(text.includes(`  [*] --> ${initial}\n`), "initial marker");
      for (const state of machine.states.filter((s) => s.final)) assert.ok(text.includes(`  ${state.name.text} --> [*]\n`), `final ${state.name.text}`);
      const transitions = text.split("\n").filter((l) => / --> \w+ : /.test(l));
      const graph = machineGraph(machine);
      assert.is(transitions.length, graph.edges.filter((e) => e.kind !== "internal").length);
      const names = new Set(machine.states.map((s) => s.name.text));
      for (const line of transitions) {
        const [, from, to] = /^ {2}(\w+) --> (\w+) : /.exec(line) ?? [];
        assert.ok(to !== undefined && names.has(to), `target of ${line} is a state`);
        assert.ok(from !== undefined && (names.has(from) || from.startsWith("any_state")), `source of ${line} is a state or the any-state marker`);
      }
    }
  });
}

test("timers and the deadline are labelled distinctly from event transitions", () => {
  const [machine] = machinesOf("test/fixtures/emit/inbound-call.fsm");
  assert.ok(machine);
  const text = renderMermaid(machine);
  assert.ok(text.includes("  Ringing --> Missed : ⏱ after 30s\n"));
  assert.ok(text.includes("  any_state --> TimedOut : ⏰ deadline 2h / logTimeout\n"));
  assert.ok(text.includes("  any_state --> Ended : Hangup / recordHangup\n"));
  assert.ok(text.includes("  Greeting --> Routing : Digit [isMenuChoice] / storeDigit\n"));
  assert.ok(text.includes("    internal: Digit / countAttempt, playRetry\n"));
});

test("docs/diagrams.md shows the current diagram of every example spec in specs/", () => {
  const page = readFileSync(join(repoRoot, "docs/diagrams.md"), "utf8");
  for (const path of specFiles.filter((p) => p.startsWith("specs"))) {
    for (const machine of machinesOf(path)) {
      assert.ok(page.includes(`## ${machine.name.text} (\`${path}\`)`), `a section for ${machine.name.text}`);
      assert.ok(page.includes(`\`\`\`mermaid\n${renderMermaid(machine)}\`\`\``), `the diagram of ${path} is up to date (regenerate with fsmc graph ${path})`);
    }
  }
});

test.run();
