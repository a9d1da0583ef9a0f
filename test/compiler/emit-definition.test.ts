// The definition object a generated module exports: the transition table, timers, defaults and ajv-ready schemas.
import { Ajv } from "ajv";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { compile } from "../../compiler/compile.js";
import { literalText } from "../../compiler/emit/literal-text.js";
import { CallbackDialer } from "../fixtures/emit/expected/callback-dialer.js";
import { InboundCall } from "../fixtures/emit/expected/inbound-call.js";
import { Tiny } from "../fixtures/emit/expected/tiny.js";

const ajv = new Ajv({ allErrors: true, strict: true });

test("clauses of one event are listed in source order with their guards as data", () => {
  assert.equal(InboundCall.states.Routing.on["BridgeFailed"], [
    { guard: { and: [{ not: { ref: "tooManyAttempts" } }, { ref: "hasOtherAgents" }] }, target: "Routing", actions: ["countAttempt"] },
    { guard: "else", target: "Ended", actions: ["playGoodbye"] },
  ]);
});

test("an internal clause has no target and keeps its actions", () => {
  assert.equal(InboundCall.states.Greeting.on["Digit"]?.[2], { actions: ["countAttempt", "playRetry"] });
});

test("after clauses of one state with the same duration form one timer whose id is the normalised duration", () => {
  assert.equal(CallbackDialer.states.Dialing.timers, [
    {
      id: "Dialing/1m30s",
      ms: 90_000,
      clauses: [
        { guard: { ref: "canRetry" }, target: "Dialing", actions: ["countFailure"] },
        { target: "GaveUp", actions: [] },
      ],
    },
  ]);
});

test("machine-level on clauses and the deadline are carried at the machine level", () => {
  assert.equal(InboundCall.on, { Hangup: [{ target: "Ended", actions: ["recordHangup"] }] });
  assert.equal(InboundCall.deadline, { ms: 7_200_000, target: "TimedOut", actions: ["logTimeout"] });
  assert.is(CallbackDialer.deadline, undefined);
});

test("initial, finals, version (1 when absent), entry and exit actions are plain data", () => {
  assert.is(InboundCall.initial, "Ringing");
  assert.equal(InboundCall.finals, ["Ended", "Missed", "TimedOut"]);
  assert.is(InboundCall.version, 3);
  assert.is(CallbackDialer.version, 1);
  assert.equal(CallbackDialer.states.Talking.entry, ["startRecording"]);
  assert.equal(CallbackDialer.states.Talking.exit, ["stopRecording"]);
  assert.is(CallbackDialer.states.Done.final, true);
});

test("context defaults list exactly the defaulted fields with their values", () => {
  assert.equal(CallbackDialer.contextDefaults, { priority: 1.5, maxAttempts: 3, recorded: false, notes: ["first", "second"] });
});

test("guard and action name lists are sorted and complete", () => {
  assert.equal(InboundCall.guards, ["hasOtherAgents", "isMenuChoice", "tooManyAttempts"]);
  assert.equal(CallbackDialer.actions, ["countFailure", "leaveMessage", "report", "startRecording", "stopRecording", "storeAnswer"]);
});

test("an event schema accepts a well-formed event and ajv compiles it in strict mode", () => {
  const digit = ajv.compile(InboundCall.schemas.events["Digit"]!);
  assert.ok(digit({ type: "Digit", digit: "#" }));
  assert.ok(ajv.validate(InboundCall.schemas.events["Answered"]!, { type: "Answered" }));
});

test("an event schema rejects a value outside a literal union, a missing field and an unknown field", () => {
  const digit = ajv.compile(InboundCall.schemas.events["Digit"]!);
  assert.not.ok(digit({ type: "Digit", digit: "x" }));
  assert.not.ok(digit({ type: "Digit" }));
  assert.not.ok(digit({ type: "Digit", digit: "1", extra: true }));
  assert.not.ok(digit({ type: "Answered", digit: "1" }));
});

test("int fields accept only integers, arrays check their items and optional fields may be absent", () => {
  const answered = ajv.compile(CallbackDialer.schemas.events["Answered"]!);
  assert.ok(answered({ type: "Answered", at: 1.5, legs: [1, 2] }));
  assert.ok(answered({ type: "Answered", at: 1, legs: [], humanDetected: true }));
  assert.not.ok(answered({ type: "Answered", at: 1, legs: [1.5] }));
  assert.not.ok(answered({ type: "Answered", at: 1, legs: "1" }));
});

test("the start context schema requires exactly the fields without default and without ?", () => {
  assert.equal(InboundCall.schemas.startContext["required"], ["caller"]);
  const start = ajv.compile(CallbackDialer.schemas.startContext);
  assert.ok(start({ numbers: ["+15550100"] }));
  assert.ok(start({ numbers: [], tags: ["vip"], maxAttempts: 2, lastCause: "busy" }));
  assert.not.ok(start({}));
  assert.not.ok(start({ numbers: [], maxAttempts: 2.5 }));
  assert.not.ok(start({ numbers: [], tags: ["gold"] }));
});

test("names that only resemble Object.prototype members are ordinary own keys of the states table", () => {
  assert.equal(Object.keys(Tiny.states), ["ToString", "Constructor"]);
  assert.is(Object.getPrototypeOf(Tiny.states), Object.prototype);
  assert.is(Tiny.states.ToString.timers[0]?.id, "ToString/1s");
  assert.equal(Tiny.schemas.startContext.properties, { constructorName: { type: "string" } });
});

test("a __proto__ key is written as a computed key, so the object literal defines a property instead of setting its prototype", () => {
  // The checks refuse such names (FSM114); the writer stays safe for any data it is given.
  const text = literalText(JSON.parse('{"__proto__": 1, "other": 2}'));
  assert.is(text, '{ ["__proto__"]: 1, other: 2 }');
  const value = new Function(`return ${text};`)() as Record<string, unknown>;
  assert.equal(Object.keys(value), ["__proto__", "other"]);
  assert.is(Object.getPrototypeOf(value), Object.prototype);
});

test("migrations are data in source order: each block's version and the old states it names, mapped to states of this version", () => {
  assert.equal(InboundCall.migrations, [
    { from: 2, states: { Menu: "Greeting", Transferring: "Routing" } },
    { from: 1, states: {} },
  ]);
});

test("a machine without migrate blocks has no migrations field", () => {
  assert.not.ok("migrations" in CallbackDialer);
  assert.not.ok("migrations" in Tiny);
});

test("the content hash is the definition's last field, 16 hex digits", () => {
  for (const definition of [InboundCall, CallbackDialer, Tiny]) {
    assert.is(Object.keys(definition).at(-1), "hash");
    assert.match(definition.hash ?? "", /^[0-9a-f]{16}$/);
  }
});

test("the content hash depends on the data: a definition that differs in one mapping hashes differently", () => {
  const [one, other] = ["Routing", "Greeting"].map((target) => {
    const text = `machine M {\n  version 2\n  migrate from 1 { Old -> ${target} }\n  initial state Greeting { after 1s -> Routing }\n  state Routing { after 1s -> Done }\n  final state Done\n}\n`;
    const module = compile([{ path: "m.fsm", text }]).files.find((f) => f.path === "m.ts")?.text ?? "";
    return /hash: "([0-9a-f]{16})"/.exec(module)?.[1];
  });
  assert.ok(one !== undefined && other !== undefined && one !== other, `${one} vs ${other}`);
});

test.run();
