// Results that cannot be committed (BigInt, cycles, NaN, schema violations, non-objects) fail their event's attempts, are dead-lettered, and the flow goes on.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime, HandlerResultError, type ErrorContext, type FlowClient, type FlowRuntimeError } from "../../runtime/index.js";
import { inspectFlow } from "../../runtime/ops.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { Ledger, type LedgerContext } from "./fixtures/ledger.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
let runtime: FlowRuntime;
let ledger: FlowClient<typeof Ledger>;
const errors: { error: unknown; context: ErrorContext }[] = [];
/** Flow id → how many times its `act` ran. */
const actCalls = new Map<string, number>();
let guardResult: unknown = true;

const cycle = (): object => {
  const node: { self?: unknown } = {};
  node.self = node;
  return node;
};

/** What `act` returns for each `Do.kind`. */
const results: Record<string, () => unknown> = {
  bigint: () => ({ count: 10n }),
  cycle: () => ({ label: cycle() }),
  nan: () => ({ count: Number.NaN }),
  infinity: () => ({ count: Number.POSITIVE_INFINITY }),
  "outside-enum": () => ({ level: "medium" }),
  "unknown-field": () => ({ colour: "red" }),
  "wrong-type": () => ({ count: "three" }),
  "not-integer": () => ({ count: 1.5 }),
  "undefined-defaulted": () => ({ count: undefined }),
  number: () => 42,
  array: () => [{ count: 1 }],
  date: () => ({ label: new Date(0) }),
  "set-label": () => ({ label: "vip" }),
  "clear-label": () => ({ label: undefined }),
  nothing: () => undefined,
};

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  runtime = new FlowRuntime({
    redis: server.url,
    retry: { maxAttempts: 3, baseMs: 10, maxMs: 50 },
    onError: (error, context) => void errors.push({ error, context }),
  });
  ledger = runtime.register(Ledger, {
    guards: { mayClose: () => guardResult as boolean },
    actions: {
      act: (_ctx, event, io) => {
        actCalls.set(io.flowId, (actCalls.get(io.flowId) ?? 0) + 1);
        return results[event.kind]!() as Partial<LedgerContext>;
      },
      bump: (ctx) => ({ count: ctx.count + 1 }),
    },
  });
  await runtime.start();
});

test.after(async () => {
  await runtime.close();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

/** Sends `Do {kind}` then `Next`, and waits until `Next` applied (the flow went on past the dead letter). */
async function poison(kind: string): Promise<{ flowId: string; deadLetter: Record<string, unknown>; error: HandlerResultError }> {
  const flowId = `poison-${kind}`;
  await ledger.start(flowId, { owner: "a" });
  await ledger.send(flowId, { type: "Do", kind });
  await ledger.send(flowId, { type: "Next" });
  await waitFor(`${kind}: the next event to apply`, async () => (await ledger.get(flowId))?.context.count === 1);
  const view = await inspectFlow(redis, "Ledger", flowId);
  assert.is(view.deadLetters.length, 1, `${kind}: one dead letter`);
  const mine = errors.filter((e) => e.context.flowId === flowId);
  assert.equal(
    mine.map((e) => e.context.attempt),
    [1, 2, 3],
    `${kind}: three failed attempts reported`,
  );
  for (const e of mine) assert.instance(e.error, HandlerResultError);
  assert.is(actCalls.get(flowId), 3, `${kind}: the action ran exactly maxAttempts times`);
  return { flowId, deadLetter: view.deadLetters[0] as Record<string, unknown>, error: mine[0]!.error as HandlerResultError };
}

const cases: [kind: string, field: string, rule: string, says: RegExp][] = [
  ["bigint", "count", "json", /field 'count' is a BigInt/],
  ["cycle", "label.self", "json", /cycle/],
  ["nan", "count", "finite", /field 'count' is NaN/],
  ["infinity", "count", "finite", /field 'count' is Infinity/],
  ["outside-enum", "level", "enum", /field 'level' must be equal to one of the allowed values \("low", "high"\)/],
  ["unknown-field", "colour", "additionalProperties", /field 'colour' is not a declared field/],
  ["wrong-type", "count", "type", /field 'count' must be integer/],
  ["not-integer", "count", "type", /field 'count' must be integer/],
  ["undefined-defaulted", "count", "required", /field 'count' is required/],
  ["number", "", "type", /an object of context fields or nothing, got number 42/],
  ["array", "", "type", /got an array/],
  ["date", "label", "json", /is a Date, not a plain object/],
];

for (const [kind, field, rule, says] of cases) {
  test(`an action result with ${kind} is dead-lettered after maxAttempts with HANDLER_RESULT_INVALID naming '${field}', and the next event applies`, async () => {
    const { deadLetter, error } = await poison(kind);
    assert.is(error.code, "HANDLER_RESULT_INVALID");
    assert.is(error.field, field);
    assert.is(error.rule, rule);
    assert.match(error.message, `machine Ledger, flow poison-${kind}, action act on event Do returned a result that cannot be committed`);
    assert.match(error.message, says);
    assert.is(deadLetter.code, "HANDLER_RESULT_INVALID");
    assert.is(deadLetter.attempts, 3);
    assert.equal(deadLetter.event, { type: "Do", kind });
    // Nothing of the poisoned result reached the stored context.
    const flow = await ledger.get(`poison-${kind}`);
    assert.equal(flow?.context, { owner: "a", count: 1, level: "low" });
  });
}

test("undefined for an optional field clears it; undefined or nothing returned changes nothing", async () => {
  await ledger.start("clear-1", { owner: "a" });
  await ledger.send("clear-1", { type: "Do", kind: "set-label" });
  await waitFor("the label", async () => (await ledger.get("clear-1"))?.context.label === "vip");
  await ledger.send("clear-1", { type: "Do", kind: "clear-label" });
  await ledger.send("clear-1", { type: "Do", kind: "nothing" });
  await ledger.send("clear-1", { type: "Next" });
  const flow = await waitFor("the bump", async () => {
    const f = await ledger.get("clear-1");
    return f?.context.count === 1 ? f : undefined;
  });
  assert.equal(flow.context, { owner: "a", count: 1, level: "low" });
  assert.is(flow.version, 5);
  assert.is((await inspectFlow(redis, "Ledger", "clear-1")).deadLetters.length, 0);
});

test("a guard that returns anything but a boolean fails the event with HANDLER_RESULT_INVALID naming the guard", async () => {
  guardResult = "yes";
  try {
    await ledger.start("guard-1", { owner: "a" });
    await ledger.send("guard-1", { type: "Close" });
    await ledger.send("guard-1", { type: "Next" });
    await waitFor("the next event to apply", async () => (await ledger.get("guard-1"))?.context.count === 1);
    const error = errors.find((e) => e.context.flowId === "guard-1")?.error as FlowRuntimeError;
    assert.instance(error, HandlerResultError);
    assert.match(
      error.message,
      'guard mayClose on event Close returned a result that cannot be committed: a guard must return true or false, got the string "yes"',
    );
    assert.is((await ledger.get("guard-1"))?.state, "Open");
  } finally {
    guardResult = true;
  }
});

test.run();
