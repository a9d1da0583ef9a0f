// What is validated is what is stored: NaN, ±Infinity, BigInt, toJSON and other non-JSON payloads are refused naming the field; reserved names are refused at register.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { ConfigurationError, FlowRuntime, PayloadError, type MachineDefinition } from "../../runtime/index.js";
import { flowKeys } from "../../runtime/keys.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { Call, callHandlers } from "./fixtures/call.js";

let server: RedisServer;
let redis: Redis;
let runtime: FlowRuntime;
let call: ReturnType<typeof registerCall>;

const registerCall = (r: FlowRuntime) => r.register(Call, callHandlers());

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  runtime = new FlowRuntime({ redis: server.url });
  call = registerCall(runtime);
  await runtime.start();
  await call.start("forms-1", { caller: "a" });
});

test.after(async () => {
  await runtime.close();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

async function refused(what: Promise<unknown>, field: string, rule: string, says: string): Promise<void> {
  try {
    await what;
  } catch (error) {
    assert.instance(error, PayloadError);
    const e = error as PayloadError;
    assert.is(e.code, "PAYLOAD_INVALID");
    assert.is(e.field, field);
    assert.is(e.rule, rule);
    assert.is(e.message, says);
    return;
  }
  assert.unreachable("the payload was accepted");
}

/** The last sequence number handed out: it moves with every enqueue, whatever the drains do meanwhile. */
const queued = () => redis.hget(flowKeys("Call", "forms-1").state, "q");

test("NaN and ±Infinity in an event are refused naming the field, and nothing is queued", async () => {
  const before = await queued();
  await refused(
    call.send("forms-1", { type: "Note", n: Number.NaN }),
    "n",
    "finite",
    "event Note: field 'n' is NaN, which JSON cannot store (numbers must be finite)",
  );
  await refused(
    call.send("forms-1", { type: "Note", n: Number.POSITIVE_INFINITY }),
    "n",
    "finite",
    "event Note: field 'n' is Infinity, which JSON cannot store (numbers must be finite)",
  );
  await refused(
    call.send("forms-1", { type: "Note", n: Number.NEGATIVE_INFINITY }),
    "n",
    "finite",
    "event Note: field 'n' is -Infinity, which JSON cannot store (numbers must be finite)",
  );
  assert.is(await queued(), before);
});

test("NaN and Infinity in a start context are refused naming the field, and no flow is created", async () => {
  await refused(
    call.start("forms-2", { caller: "a", notes: [1, Number.NaN] }),
    "notes.1",
    "finite",
    "start context of Call: field 'notes.1' is NaN, which JSON cannot store (numbers must be finite)",
  );
  assert.is(await redis.exists(flowKeys("Call", "forms-2").state), 0);
});

test("a payload with toJSON is refused: it would be stored as something other than what was validated", async () => {
  const sneaky = { type: "Note", n: 1, toJSON: () => ({ type: "Hangup" }) };
  await refused(
    call.send("forms-1", sneaky as never),
    "",
    "json",
    "event Note: payload has a toJSON method: JSON would store what it returns, not the object that was checked (pass plain data)",
  );
  const dated = { caller: "a", trail: [new Date(0)] };
  await refused(
    call.start("forms-3", dated as never),
    "trail.0",
    "json",
    "start context of Call: field 'trail.0' is a Date, not a plain object: JSON would store what its toJSON returns (pass plain data)",
  );
});

test("BigInt, functions and array holes are refused naming the field", async () => {
  await refused(
    call.send("forms-1", { type: "Note", n: 1n } as never),
    "n",
    "json",
    "event Note: field 'n' is a BigInt, which JSON cannot store (use a number or a string)",
  );
  // eslint-disable-next-line no-sparse-arrays
  await refused(
    // biome-ignore lint/suspicious/noSparseArray: the hole is the payload under test
    call.start("forms-4", { caller: "a", notes: [1, , 3] } as never),
    "notes.1",
    "json",
    "start context of Call: field 'notes.1' is a hole in the array, which JSON stores as null",
  );
  await refused(
    call.start("forms-4", { caller: "a", trail: [() => 1] } as never),
    "trail.0",
    "json",
    "start context of Call: field 'trail.0' is a function, which JSON cannot store",
  );
});

test("a start context field given as undefined keeps its default", async () => {
  await call.start("forms-5", { caller: "a", notes: undefined });
  const stored = JSON.parse((await redis.hget(flowKeys("Call", "forms-5").state, "c")) ?? "{}") as Record<string, unknown>;
  assert.equal(stored.notes, []);
});

test("register refuses a definition that uses a member of Object.prototype as a name", () => {
  const r = new FlowRuntime({ redis: server.url });
  const cases: [string, MachineDefinition][] = [
    ["state 'constructor'", { ...Call, name: "A", states: { ...Call.states, constructor: Call.states.Ended } } as unknown as MachineDefinition],
    [
      "event 'toString'",
      {
        ...Call,
        name: "B",
        schemas: { ...Call.schemas, events: { ...Call.schemas.events, toString: Call.schemas.events.Answered } },
      } as unknown as MachineDefinition,
    ],
    [
      "context field 'valueOf'",
      {
        ...Call,
        name: "C",
        schemas: {
          ...Call.schemas,
          startContext: {
            ...Call.schemas.startContext,
            properties: { ...(Call.schemas.startContext as { properties: object }).properties, valueOf: { type: "string" } },
          },
        },
      } as unknown as MachineDefinition,
    ],
    ["action 'hasOwnProperty'", { ...Call, name: "D", actions: [...Call.actions, "hasOwnProperty"] } as unknown as MachineDefinition],
  ];
  for (const [what, definition] of cases) {
    assert.throws(
      () => r.register(definition as never, callHandlers() as never),
      (e: Error) => e instanceof ConfigurationError && e.message.includes(`the ${what} is a member of every JavaScript object`),
      what,
    );
  }
});

test.run();
