// Specification of the diff against a stored definition (JSON, as Redis holds it): the same reports, placed in the new spec since the old one has no source.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { definitionView, DefinitionShapeError } from "../../compiler/diff/definition-view.js";
import { definitionKey, parseDefinitionRef } from "../../compiler/diff/stored-definition.js";
import { specMachines } from "../../compiler/diff/spec-machines.js";
import { assertOnly, baseSpec, diffStored, edit, version, type ExpectedReport } from "../support/diffed-specs.js";

function assertStored(oldText: string, newText: string, expected: Omit<ExpectedReport, "in">): void {
  assertOnly(diffStored(oldText, newText), { old: oldText, new: newText }, { ...expected, in: "new" });
}

test("the definition read back from JSON is the one compiled: an unchanged spec reports nothing", () => {
  assert.equal(diffStored(baseSpec, baseSpec), []);
});

test("FSM601 against a stored definition is at the new version number", () => {
  assertStored(baseSpec, edit(baseSpec, ["on Transfer -> Transferring", "on Transfer -> Transferring / startTransfer"]), {
    code: "FSM601",
    severity: "error",
    at: "1",
    mentions: ["first at states.Talking.on.Transfer[0].actions[0]"],
  });
});

test("a state removed is placed at the new machine's name", () => {
  const old = edit(
    baseSpec,
    ["  final state TimedOut\n", "  final state TimedOut\n  final state Abandoned\n"],
    ["on Hangup -> Ended / recordHangup", "on Hangup -> Abandoned / recordHangup"],
  );
  assertStored(old, version(2), { code: "FSM604", severity: "warning", at: "Call", mentions: ["state 'Abandoned'"] });
});

test("a timer removed is placed at its state's name in the new spec", () => {
  assertStored(baseSpec, version(2, ["    after 1m -> Ended\n", ""]), {
    code: "FSM608",
    severity: "warning",
    at: "Transferring",
    occurrence: 1,
    mentions: ["Transferring/1m"],
  });
});

test("an event field removed is placed at the event's name in the new spec", () => {
  assertStored(baseSpec, version(2, [", detail: string? }", " }"]), { code: "FSM607", severity: "warning", at: "Declined", mentions: ["field 'detail'"] });
});

test("a handler removed is placed at the new machine's name", () => {
  assertStored(baseSpec, version(2, ["entry ringAgent", "entry dialAgent"]), {
    code: "FSM610",
    severity: "warning",
    at: "Call",
    mentions: ["action 'ringAgent'"],
  });
});

test("a change placed in the new spec stays there: a new required field", () => {
  assertStored(baseSpec, version(2, ["note: string? }", "note: string?, queue: string }"]), { code: "FSM611", severity: "error", at: "queue" });
});

test("a stored definition keeps its migrations: a state its block maps reports nothing", () => {
  const old = edit(
    baseSpec,
    ["  final state TimedOut\n", "  final state TimedOut\n  final state Abandoned\n"],
    ["on Hangup -> Ended / recordHangup", "on Hangup -> Abandoned / recordHangup"],
  );
  assert.equal(diffStored(old, version(2, ["  version 2\n", "  version 2\n  migrate from 1 { Abandoned -> Ended }\n"])), []);
  const [machine] = specMachines([{ path: "a.fsm", text: version(2, ["  version 2\n", "  version 2\n  migrate from 1 { Abandoned -> Ended }\n"]) }]).machines;
  assert.equal([...definitionView(JSON.parse(JSON.stringify(machine!.definition.data))).migrations], [[1, new Map([["Abandoned", "Ended"]])]]);
});

test("data that is not a definition is refused, naming the first part that is not as expected", () => {
  const [machine] = specMachines([{ path: "a.fsm", text: baseSpec }]).machines;
  const good = JSON.parse(JSON.stringify(machine!.definition.data)) as Record<string, unknown>;
  const refusal = (data: unknown): string => {
    try {
      definitionView(data);
      return "accepted";
    } catch (error) {
      assert.instance(error, DefinitionShapeError);
      return (error as Error).message;
    }
  };
  assert.is(refusal([]), "the definition is not an object");
  const { states: _states, ...stateless } = good;
  assert.is(refusal(stateless), "definition.states is not present");
  assert.is(refusal({ ...good, states: [] }), "states is not an object");
  assert.is(refusal({ ...good, version: "2" }), "version is not a whole number");
  assert.is(refusal({ ...good, states: { Ringing: { timers: {} } } }), "states.Ringing.timers is not an array");
  assert.is(refusal({ ...good, schemas: { events: {}, startContext: { properties: {} } } }), "schemas.startContext.required is not present");
});

test("Machine@version names a stored definition; anything else is not one", () => {
  assert.equal(parseDefinitionRef("CallQueue@3"), { machine: "CallQueue", version: 3 });
  for (const text of ["CallQueue", "CallQueue@", "CallQueue@0", "CallQueue@1.5", "@3", "Call Queue@3", "CallQueue@99999999999999999999"]) {
    assert.is(parseDefinitionRef(text), undefined, text);
  }
  assert.is(definitionKey("CallQueue"), "fsm:def:{CallQueue}");
});

test.run();
