// Specification of the diff's removals: a machine (FSM603), a state (FSM604) or an event (FSM605) of the old version that the new one lacks, and a new machine, which is no report.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { assertDiff, baseSpec, diffSpecs, edit, oldPath, version } from "../support/diffed-specs.js";
import { rangeOf } from "../support/text-range.js";

const other = `machine Survey {
  version 4
  deadline 1h -> Done
  initial state Asking { after 1m -> Done }
  final state Done
}
`;

test("FSM603: a machine missing from the new specs is a warning at its name in the old spec", () => {
  assertDiff(baseSpec + other, baseSpec, {
    code: "FSM603",
    severity: "warning",
    in: "old",
    at: "Survey",
    mentions: ["machine 'Survey' (version 4)", "keep its definition and handlers deployed"],
  });
});

test("a machine only in the new specs is reported by nothing", () => {
  assert.equal(diffSpecs(baseSpec, baseSpec + other), []);
});

test("FSM604: a state removed is a warning at its name in the old spec, naming the old version to keep deployed", () => {
  const next = version(
    2,
    ["on Transfer -> Transferring", "on Transfer -> Ended"],
    ["  state Transferring {\n    entry startTransfer\n    after 20s -> Ended\n    after 1m -> Ended\n  }\n", ""],
  );
  // The only action and timers of the state go with it: those are reported too, each with its own code.
  const found = diffSpecs(baseSpec, next);
  assert.equal(
    found.map((d) => d.code),
    ["FSM604", "FSM610"],
  );
  const state = found[0]!;
  assert.is(state.severity, "warning");
  assert.is(state.file, oldPath);
  assert.equal(state.range, rangeOf(baseSpec, "Transferring", 1));
  assert.match(state.message, "state 'Transferring' of version 1 is gone in version 2");
  assert.match(state.message, "finish on version 1");
});

test("FSM604: exactly one report for a removed state with no handler of its own", () => {
  const old = edit(
    baseSpec,
    ["  final state TimedOut\n", "  final state TimedOut\n  final state Abandoned\n"],
    ["on Hangup -> Ended / recordHangup", "on Hangup -> Abandoned / recordHangup"],
  );
  assertDiff(old, version(2), { code: "FSM604", severity: "warning", in: "old", at: "Abandoned", occurrence: 1, mentions: ["state 'Abandoned'"] });
});

test("a state removed that the new version's `migrate from` block maps reports nothing: its flows move", () => {
  const old = edit(
    baseSpec,
    ["  final state TimedOut\n", "  final state TimedOut\n  final state Abandoned\n"],
    ["on Hangup -> Ended / recordHangup", "on Hangup -> Abandoned / recordHangup"],
  );
  assert.equal(diffSpecs(old, version(2, ["  version 2\n", "  version 2\n  migrate from 1 { Abandoned -> Ended }\n"])), []);
});

test("FSM604: a block migrating another version, or not naming the state, does not move its flows", () => {
  const old = edit(
    baseSpec,
    ["  final state TimedOut\n", "  final state TimedOut\n  final state Abandoned\n"],
    ["on Hangup -> Ended / recordHangup", "on Hangup -> Abandoned / recordHangup"],
  );
  for (const block of ["migrate from 1 { }", "migrate from 2 { Abandoned -> Ended }"]) {
    assertDiff(old, version(3, ["  version 3\n", `  version 3\n  ${block}\n`]), {
      code: "FSM604",
      severity: "warning",
      in: "old",
      at: "Abandoned",
      occurrence: 1,
      mentions: ["'migrate from 1'"],
    });
  }
});

test("FSM605: an event removed is a warning at its name in the old spec", () => {
  const old = edit(
    baseSpec,
    ["  event Answered\n", "  event Answered\n  event Ping\n"],
    ["on Transfer -> Transferring", "on Transfer -> Transferring\n    on Ping"],
  );
  assertDiff(old, version(2), {
    code: "FSM605",
    severity: "warning",
    in: "old",
    at: "Ping",
    mentions: ["event 'Ping' of version 1 is gone in version 2", "refused", "senders"],
  });
});

test.run();
