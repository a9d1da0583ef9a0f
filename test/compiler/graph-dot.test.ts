// The dot output of each example machine is a well-formed Graphviz graph: the real Graphviz (WASM) renders it to SVG.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { instance, type Viz } from "@viz-js/viz";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { analyze } from "../../compiler/check.js";
import { renderDot } from "../../compiler/graph/dot.js";
import { machineGraph } from "../../compiler/graph/machine-graph.js";
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

let viz: Viz | undefined;
async function graphviz(): Promise<Viz> {
  viz ??= await instance();
  return viz;
}

/** The `<title>` texts of SVG groups of one class (`node` or `edge`), unescaped. */
function titles(svg: string, kind: "node" | "edge"): string[] {
  const pattern = new RegExp(`<g id="${kind}\\d+" class="${kind}">\\s*<title>([^<]*)</title>`, "g");
  return [...svg.matchAll(pattern)].map((m) =>
    (m[1] ?? "")
      .replace(/&#45;/g, "-")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&"),
  );
}

for (const path of specFiles) {
  test(`Graphviz renders the dot of ${path} to SVG without errors or warnings`, async () => {
    for (const machine of machinesOf(path)) {
      const result = (await graphviz()).render(renderDot(machine), { format: "svg" });
      assert.equal(result.errors, [], `Graphviz reports nothing for ${machine.name.text}`);
      assert.is(result.status, "success");
      assert.ok(result.output?.startsWith("<?xml"), "the output is an SVG document");
    }
  });

  test(`the SVG of ${path} has a node per state and an edge per transition, timer and deadline`, async () => {
    for (const machine of machinesOf(path)) {
      const svg = (await graphviz()).renderString(renderDot(machine), { format: "svg" });
      const nodes = titles(svg, "node");
      for (const state of machine.states) assert.ok(nodes.includes(state.name.text), `node ${state.name.text}`);
      const graph = machineGraph(machine);
      // One extra edge: the initial marker into the initial state.
      assert.is(titles(svg, "edge").length, graph.edges.length + 1);
      const initial = machine.states.find((s) => s.initial)?.name.text;
      assert.ok(titles(svg, "edge").includes(`fsmc:start->${initial}`), "the initial marker points at the initial state");
    }
  });
}

test("final states are drawn with a double border, timers dashed and the deadline distinct", () => {
  const [machine] = machinesOf("test/fixtures/emit/inbound-call.fsm");
  assert.ok(machine);
  const dot = renderDot(machine);
  assert.match(dot, /"Ended" \[label="Ended\\nentry \/ releaseResources", peripheries=2\];/);
  assert.match(dot, /"Ringing" -> "Missed" \[label="after 30s", style=dashed/);
  assert.match(dot, /"fsmc:any" -> "TimedOut" \[label="deadline 2h \/ logTimeout", style=bold, color="#cf222e"/);
  assert.match(dot, /"Routing" -> "Routing" \[label="BridgeFailed \[!tooManyAttempts && hasOtherAgents\] \/ countAttempt"\];/);
  assert.match(dot, /"Greeting" -> "Greeting" \[label="Digit \/ countAttempt, playRetry", style=dotted/);
});

test.run();
