// Specification of the reachability analyses: unreachable states (FSM201) and trapped regions (FSM202).
import { test } from "uvu";
import * as assert from "uvu/assert";

import { checkMachines } from "../../compiler/check.js";
import { parseSource } from "../../grammar/parse.js";
import { assertClean, assertDiagnostic, assertNoReport, assertReports, checkText, diagnosticsWithCode } from "../support/checked-spec.js";

/** A clean machine: Hold and Music loop on Ping, and Done leads from Greeting and from Hold to a final state. */
function spec({ members = "", ringing = "", hold = "on Done -> Ended", states = "" } = {}): string {
  return `machine Call {
  event Answered
  event Ping
  event Done
  deadline 2h -> TimedOut
  ${members}
  initial state Ringing {
    on Answered -> Greeting
    after 30s -> Missed
    ${ringing}
  }
  state Greeting {
    on Done -> Ended
    after 10s -> Hold
  }
  state Hold {
    on Ping -> Music
    ${hold}
  }
  state Music {
    on Ping -> Hold
  }
  ${states}
  final state Ended
  final state Missed
  final state TimedOut
}
`;
}

const trappedHold = { hold: "on Done -> Music" };

test("the clean machine the reachability specs start from has no diagnostics", () => {
  assertClean(spec());
});

test("FSM201: a state nothing leads to is reported at its name", () => {
  assertReports(spec({ states: "state Orphan { after 1s -> Ended }" }), {
    code: "FSM201",
    severity: "error",
    at: "Orphan",
    mentions: ["'Orphan'", "unreachable", "initial state 'Ringing'"],
  });
});

test("FSM201: a state reached only by the deadline is reachable", () => {
  const text = spec({ states: "state Cleanup { after 1s -> TimedOut }" }).replace("deadline 2h -> TimedOut", "deadline 2h -> Cleanup");
  assertClean(text);
});

test("FSM201: a state reached only by a machine-level `on` is reachable", () => {
  const text = spec({ members: "event Hangup\n  on Hangup -> Cleanup", states: "state Cleanup { after 1s -> Ended }" });
  assertClean(text);
});

test("FSM201: a state reached only from an unreachable state is reported too", () => {
  const text = spec({ states: "state Orphan { after 1s -> Lonely }\n  state Lonely { after 1s -> Ended }" });
  assert.equal(
    diagnosticsWithCode(text, "FSM201").map((d) => d.message.split("'")[1]),
    ["Orphan", "Lonely"],
  );
});

test("FSM202: a loop that only the deadline ends is one trap, reported at its first state with the shortest path into it", () => {
  const found = assertReports(spec(trappedHold), {
    code: "FSM202",
    severity: "error",
    at: "Hold",
    occurrence: 1,
    mentions: [
      "states Hold, Music form a trap",
      "except by the deadline",
      "Shortest path from the initial state: Ringing -[Answered]-> Greeting -[after 10s]-> Hold.",
    ],
  });
  assert.not.ok(found.message.includes("Ended"), found.message);
});

test("FSM202: a transition out of the loop towards a final state removes the trap", () => {
  assertNoReport(spec({ hold: "on Done [isDone] -> Music\n    on Done [else] -> Ended" }), "FSM202");
});

test("FSM202: a machine-level `on` to a final state is a way out of every state", () => {
  assertNoReport(spec({ ...trappedHold, members: "event Hangup\n  on Hangup -> Ended" }), "FSM202");
});

test("FSM202: two separate trapped regions give one diagnostic each", () => {
  const text = spec({ ...trappedHold, ringing: "on Done -> Limbo", states: "state Limbo { on Ping -> Limbo }" });
  const found = diagnosticsWithCode(text, "FSM202");
  assert.is(found.length, 2);
  assertDiagnostic(text, found[0]!, { code: "FSM202", severity: "error", at: "Hold", occurrence: 1, mentions: ["states Hold, Music form a trap"] });
  assertDiagnostic(text, found[1]!, {
    code: "FSM202",
    severity: "error",
    at: "Limbo",
    occurrence: 1,
    mentions: ["state Limbo is a trap", "Shortest path from the initial state: Ringing -[Done]-> Limbo."],
  });
});

test("FSM202: a state whose only transition is to itself is a trap", () => {
  assertReports(spec({ ringing: "on Done -> Limbo", states: "state Limbo { on Ping -> Limbo }" }), {
    code: "FSM202",
    severity: "error",
    at: "Limbo",
    occurrence: 1,
    mentions: ["state Limbo is a trap", "Ringing -[Done]-> Limbo"],
  });
});

test("FSM202: a self-loop with a timer towards a final state is not a trap", () => {
  assertNoReport(spec({ ringing: "on Done -> Limbo", states: "state Limbo { on Ping -> Limbo\n after 1m -> Ended }" }), "FSM202");
});

test("FSM202: a trap entered only through a machine-level `on` shows that `on` in its path", () => {
  const text = spec({ members: "event Hangup\n  on Hangup -> Parked", states: "state Parked { on Ping -> Parked }" });
  assertReports(text, {
    code: "FSM202",
    severity: "error",
    at: "Parked",
    occurrence: 1,
    mentions: ["state Parked is a trap", "Shortest path from the initial state: Ringing -[Hangup]-> Parked."],
  });
});

test("FSM202: a region is reported once, naming its strongly connected parts in the order flows pass them", () => {
  const text = spec({ ...trappedHold, hold: "on Done -> Music", states: "state Limbo { }" }).replace(
    "on Ping -> Hold\n",
    "on Ping -> Hold\n    on Done -> Limbo\n",
  );
  assertReports(text, {
    code: "FSM202",
    severity: "error",
    at: "Hold",
    occurrence: 1,
    mentions: ["states Hold, Music, Limbo form a trap", "{Hold, Music}, {Limbo}"],
  });
});

test("FSM202: without a deadline the message does not offer the deadline as a way out", () => {
  const text = spec(trappedHold).replace("deadline 2h -> TimedOut", "").replace("final state TimedOut", "");
  const found = diagnosticsWithCode(text, "FSM202");
  assert.is(found.length, 1);
  assert.ok(found[0]!.message.includes("no final state can be reached from them."), found[0]!.message);
});

test("FSM202: an unreachable loop is left to FSM201, not reported as a trap", () => {
  const text = spec({ states: "state Orphan { on Ping -> Orphan }" });
  assert.equal(
    checkText(text).map((d) => d.code),
    ["FSM201"],
  );
});

test("FSM202: a trapped initial state is named as part of the trap", () => {
  const text = `machine Loop {
  event Ping
  deadline 1h -> Ended
  initial state Waiting { on Ping -> Waiting }
  final state Ended
}
`;
  assertReports(text, { code: "FSM202", severity: "error", at: "Waiting", mentions: ["state Waiting is a trap", "The initial state Waiting is part of it"] });
});

test("graph checks are skipped when the machine has no initial state (FSM104 says why)", () => {
  const text = spec({ states: "state Orphan { after 1s -> Ended }" }).replace("initial state Ringing", "state Ringing");
  assert.equal(
    checkText(text).map((d) => d.code),
    ["FSM104"],
  );
});

test("graph checks are skipped when a transition targets an undeclared state (FSM102 says why)", () => {
  const text = spec({ ...trappedHold, states: "state Orphan { after 1s -> Nowhere }" });
  assert.equal(
    checkText(text).map((d) => d.code),
    ["FSM102"],
  );
});

test("graph checks are skipped for a machine with a syntax error, and still run for the intact machine beside it", () => {
  const broken = spec(trappedHold).replace("after 10s -> Hold", "after 10s -> -> Hold");
  const intact = spec(trappedHold).replace("machine Call", "machine Other");
  const codes = checkText(`${broken}\n${intact}`).map((d) => d.code);
  assert.ok(codes.includes("FSM001"), codes.join());
  assert.is(codes.filter((c) => c === "FSM202").length, 1, codes.join());
});

/** A chain of `count` states; Next goes forward, Back goes back, and each state's timer restarts it. */
function chain(count: number, { closed }: { closed: boolean }): string {
  const lines = ["machine Big {", "  event Next", "  event Back", "  deadline 2h -> Ended"];
  for (let i = 0; i < count; i++) {
    const next = i + 1 < count ? `S${i + 1}` : closed ? "S0" : "Ended";
    lines.push(`  ${i === 0 ? "initial " : ""}state S${i} { on Next -> ${next}  on Back -> S${Math.max(i - 1, 0)}  after 10s -> S${i} }`);
  }
  lines.push("  final state Ended", "}");
  return lines.join("\n");
}

function timedChecks(text: string): { codes: string[]; ms: number; messages: string[] } {
  const { ast, diagnostics } = parseSource({ path: "big.fsm", text });
  assert.equal(diagnostics, []);
  // CPU time, not wall time: the suite runs beside other processes on few cores.
  const started = process.cpuUsage();
  const found = checkMachines(ast.machines);
  const used = process.cpuUsage(started);
  return { codes: found.map((d) => d.code), messages: found.map((d) => d.message), ms: (used.user + used.system) / 1000 };
}

test("a 5,000-state machine whose states all lead to the final state checks clean in well under half a second", () => {
  const { codes, ms } = timedChecks(chain(5000, { closed: false }));
  assert.equal(codes, []);
  assert.ok(ms < 500, `checks took ${ms.toFixed(0)} ms`);
});

test("a 5,000-state trapped cycle is one trap region, found without exhausting the stack", () => {
  const { codes, messages, ms } = timedChecks(chain(5000, { closed: true }).replace("event Back", "event Back\n  event Unused"));
  assert.equal(
    codes.filter((c) => c === "FSM202"),
    ["FSM202"],
  );
  assert.ok(
    messages.some((m) => m.startsWith("states S0, S1, S2") && m.includes("and 4980 more")),
    messages.join("\n"),
  );
  assert.ok(ms < 500, `checks took ${ms.toFixed(0)} ms`);
});

test.run();
