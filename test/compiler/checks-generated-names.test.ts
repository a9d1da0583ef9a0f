// Specification of the generated-name check: machines compiled together never share a module file or an export name (FSM501).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { check } from "../../compiler/check.js";
import { compile, emitErrorCode } from "../../compiler/compile.js";
import type { Diagnostic } from "../../grammar/ast.js";
import { assertClean, assertDiagnostic, assertNoReport, assertReports } from "../support/checked-spec.js";

/** A clean machine named `name`; `events` are declared and handled in its initial state. */
function machine(name: string, events: readonly string[] = []): string {
  return `machine ${name} {
${events.map((e) => `  event ${e}\n`).join("")}  deadline 1h -> Done
  initial state Waiting {
${events.map((e) => `    on ${e} -> Done\n`).join("")}    after 1m -> Done
  }
  final state Done
}
`;
}

test("the clean machines the generated-name specs start from have no diagnostics together", () => {
  assertClean(machine("Abc") + machine("Abd") + machine("Call", ["X"]) + machine("CallY"));
});

test("FSM501: machines whose names differ only in case share a module file, reported at the second name", () => {
  const text = machine("Abc") + machine("ABC");
  assertReports(text, { code: "FSM501", severity: "error", at: "ABC", mentions: ["machine 'ABC'", "abc.ts", "machine 'Abc'", "1:9", "kebab-case"] });
});

test("FSM501: machines whose names differ only in underscores and case share a module file", () => {
  const text = machine("AB_C") + machine("AbC");
  assertReports(text, { code: "FSM501", severity: "error", at: "AbC", mentions: ["ab-c.ts", "machine 'AB_C'"] });
});

test("FSM501: a machine whose module would be the index is reported", () => {
  assertReports(machine("Index"), { code: "FSM501", severity: "error", at: "Index", mentions: ["index.ts", "re-exports every machine"] });
});

test("FSM501: a machine named like a runtime type its module imports is reported at the name", () => {
  assertReports(machine("MachineDefinition"), {
    code: "FSM501",
    severity: "error",
    at: "MachineDefinition",
    mentions: ["would declare MachineDefinition", "its definition", "runtime type", "rename the machine"],
  });
});

test("FSM501: a machine whose event union would be named like a runtime type is reported at the machine name", () => {
  assertReports(machine("Start"), { code: "FSM501", severity: "error", at: "Start", occurrence: 0, mentions: ["StartEvent", "its event union"] });
});

test("FSM501: an event whose interface would be named like a runtime type is reported at the event", () => {
  assertReports(machine("Tim", ["er"]), {
    code: "FSM501",
    severity: "error",
    at: "er",
    occurrence: 0,
    mentions: ["TimerEvent", "interface of its event 'er'", "rename the event"],
  });
});

test("FSM501: an event union one machine exports that another exports for an event is reported at the later machine", () => {
  const text = machine("Call", ["X"]) + machine("CallX");
  assertReports(text, {
    code: "FSM501",
    severity: "error",
    at: "CallX",
    occurrence: 0,
    mentions: [
      "machine 'CallX' would export CallXEvent, its event union",
      "machine 'Call' already exports as the interface of its event 'X'",
      "2:9",
      "index.ts",
    ],
  });
});

test("FSM501: the same clash the other way round is reported at the later event", () => {
  const text = machine("CallX") + machine("Call", ["X"]);
  assertReports(text, { code: "FSM501", severity: "error", at: "X", occurrence: 1, mentions: ["the interface of its event 'X'", "its event union", "1:9"] });
});

test("FSM501: one machine's context type named like another's start-context type is reported", () => {
  const text = machine("Call") + machine("CallStart");
  assertReports(text, { code: "FSM501", severity: "error", at: "CallStart", mentions: ["CallStartContext", "its context type", "its start-context type"] });
});

test("FSM501: a machine named like another machine's state union is reported", () => {
  const text = machine("Call") + machine("CallState");
  assertReports(text, { code: "FSM501", severity: "error", at: "CallState", mentions: ["CallState, its definition", "its state union"] });
});

test("FSM501: files checked together clash across files, reported in the later file citing the earlier one", () => {
  const first = { path: "specs/a.fsm", text: machine("Abc") };
  const second = { path: "specs/b.fsm", text: machine("ABC") };
  const found = check([first, second]).filter((d) => d.code === "FSM501");
  assert.is(found.length, 1);
  assert.is(found[0]!.file, "specs/b.fsm");
  assertDiagnostic(second.text, found[0]!, { code: "FSM501", severity: "error", at: "ABC", mentions: ["specs/a.fsm:1:9", "abc.ts"] });
});

test("FSM501: a machine declared twice is FSM101's, not also a generated-name clash", () => {
  const text = machine("Abc") + machine("Abc");
  assertNoReport(text, "FSM501");
  assertReports(text, { code: "FSM101", severity: "error", at: "Abc", occurrence: 1 });
});

test("FSM501: compile reports the clash through the check and writes nothing", () => {
  const { files, diagnostics } = compile([{ path: "specs/call.fsm", text: machine("Abc") + machine("ABC") }]);
  assert.equal(files, []);
  assert.equal(
    diagnostics.map((d: Diagnostic) => [d.code, d.range.start.line, d.range.start.column]),
    [[emitErrorCode, 8, 9]],
  );
});

test.run();
