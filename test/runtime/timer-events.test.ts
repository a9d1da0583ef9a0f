// A due timer's queued event names only its state entry and relative id; the flow applying it resolves the state, whole id and ms, or drops it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MachineDefinition } from "../../runtime/definition.js";
import { queuedTimerEvent, resolveTimerEvent } from "../../runtime/timer-events.js";
import type { DueTimer } from "../../runtime/timers/index.js";

const clauses = [{ target: "Missed", actions: [] }];
const definition = {
  name: "Call",
  states: {
    Ringing: {
      final: false,
      entry: [],
      exit: [],
      on: {},
      timers: [
        { id: "Ringing/1h", ms: 3_600_000, clauses },
        { id: "custom", ms: 5, clauses },
      ],
    },
    Menu: { final: false, entry: [], exit: [], on: {}, timers: [{ id: "Menu/1h", ms: 3_600_000, clauses }] },
    Missed: { final: true, entry: [], exit: [], on: {}, timers: [] },
  },
} as unknown as MachineDefinition;

const due = (timer: string, entry: string): DueTimer => ({
  machine: "Call",
  flowId: "f",
  kind: "timer",
  timer,
  entry,
  due: 0,
  member: "",
  key: "fsm:timers:{Call:0}",
  shard: 0,
});

test("the queued event of a timer carries the relative id and the entry token, and is deduplicated by them", () => {
  const { json, eventId } = queuedTimerEvent(due("1h", "3.4"));
  assert.equal(JSON.parse(json), { type: "fsm.timer", timer: "1h", entry: "3.4" });
  assert.is(eventId, "timer:1h:3.4");
  assert.equal(queuedTimerEvent({ ...due("", "1.1"), kind: "deadline" }), { json: '{"type":"fsm.deadline"}', eventId: "deadline:f" });
});

test("while the flow is in the entry that armed it, the event resolves to the state's timer with its whole id and ms", () => {
  const event = JSON.parse(queuedTimerEvent(due("1h", "3.4")).json) as { type: string };
  const resolved = resolveTimerEvent(definition, { state: "Ringing", entry: "3.4" }, event);
  assert.equal(resolved?.event, { type: "fsm.timer", timer: "Ringing/1h", state: "Ringing", ms: 3_600_000, entry: "3.4" });
  assert.is(resolved?.timer.id, "Ringing/1h");
});

test("the same relative id in another state entry has no effect, even when that state has such a timer", () => {
  const event = { type: "fsm.timer", timer: "1h", entry: "3.4" };
  assert.is(resolveTimerEvent(definition, { state: "Menu", entry: "3.5" }, event), undefined);
  assert.is(resolveTimerEvent(definition, { state: "Ringing", entry: "3.5" }, event), undefined);
});

test("a timer id without its state's prefix resolves as kept whole", () => {
  const event = { type: "fsm.timer", timer: "\u001dcustom", entry: "1.1" };
  assert.is(resolveTimerEvent(definition, { state: "Ringing", entry: "1.1" }, event)?.event.timer, "custom");
});

test.run();
