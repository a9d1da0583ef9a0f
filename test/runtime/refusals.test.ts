// What `send` and `start` refuse, before anything is enqueued, and what retries with the same event id do.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowClosedError, FlowExistsError, FlowNotFoundError, InvalidFlowIdError, PayloadError, UnknownEventError } from "../../runtime/index.js";
import type { CallEvent } from "./fixtures/call.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";
import { FLOW_FIELDS as F } from "../../runtime/flow-hash.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();
let call: Awaited<ReturnType<RuntimePool["call"]>>["client"];

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  ({ client: call } = await pool.call({ redis: server.url }));
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal, the call succeeded");
}

const lastSeq = async (flowId: string) => Number(await redis.hget(`fsm:{Call:${flowId}}:s`, F.lastSeq));
const settled = (flowId: string, version: number) =>
  waitFor(`${flowId} at version ${version}`, async () => {
    const flow = await call.get(flowId);
    return flow && flow.version === version ? flow : undefined;
  });

test("a payload that breaks its schema throws PayloadError naming the field and the rule, and nothing is enqueued", async () => {
  await call.start("bad-1", { caller: "a" });
  await call.send("bad-1", { type: "Answered" });
  const before = await lastSeq("bad-1");
  const error = await refusal(call.send("bad-1", { type: "Digit", digit: "x" } as unknown as CallEvent));
  assert.instance(error, PayloadError);
  const payload = error as PayloadError;
  assert.is(payload.code, "PAYLOAD_INVALID");
  assert.is(payload.field, "digit");
  assert.is(payload.rule, "enum");
  assert.match(payload.message, `event Digit: field 'digit' must be equal to one of the allowed values ("0", "1", "2"`);
  assert.is(await lastSeq("bad-1"), before);
});

test("a missing required field is named as such", async () => {
  const error = (await refusal(call.send("bad-1", { type: "Note" } as unknown as CallEvent))) as PayloadError;
  assert.instance(error, PayloadError);
  assert.is(error.field, "n");
  assert.is(error.rule, "required");
  assert.is(error.message, "event Note: field 'n' is required");
});

test("a start context that breaks its schema throws PayloadError and creates no flow", async () => {
  const error = (await refusal(call.start("bad-start", { caller: 42 } as unknown as { caller: string }))) as PayloadError;
  assert.instance(error, PayloadError);
  assert.is(error.field, "caller");
  assert.match(error.message, "start context of Call: field 'caller' must be string");
  assert.is(await redis.exists("fsm:{Call:bad-start}:s"), 0);
});

test("an event type the machine does not declare is refused", async () => {
  for (const type of ["Ring", "fsm.timer", "fsm.start"]) {
    const error = await refusal(call.send("bad-1", { type } as unknown as CallEvent));
    assert.instance(error, UnknownEventError, type);
    assert.is((error as UnknownEventError).code, "EVENT_UNKNOWN");
  }
});

test("an event for a flow that was never started throws FlowNotFoundError and creates nothing", async () => {
  const error = await refusal(call.send("nobody", { type: "Answered" }));
  assert.instance(error, FlowNotFoundError);
  assert.is((error as FlowNotFoundError).code, "FLOW_NOT_FOUND");
  assert.is(await redis.exists("fsm:{Call:nobody}:s", "fsm:{Call:nobody}:q"), 0);
});

test("an event for an ended flow throws FlowClosedError", async () => {
  await call.start("closed-1", { caller: "a" });
  await call.send("closed-1", { type: "Hangup" });
  await settled("closed-1", 2);
  const error = await refusal(call.send("closed-1", { type: "Answered" }));
  assert.instance(error, FlowClosedError);
  assert.is((error as FlowClosedError).code, "FLOW_CLOSED");
  assert.is(await redis.exists("fsm:{Call:closed-1}:q"), 0);
});

test("invalid flow ids are refused with InvalidFlowIdError", async () => {
  for (const flowId of ["", "a{b", "a}b", "tab\there", "nul\u0000", "x".repeat(201)]) {
    const error = await refusal(call.send(flowId, { type: "Answered" }));
    assert.instance(error, InvalidFlowIdError, JSON.stringify(flowId));
    assert.is((error as InvalidFlowIdError).code, "FLOW_ID_INVALID");
  }
  await call.start("x".repeat(200), { caller: "a" });
});

test("a second start of an existing flow throws FlowExistsError", async () => {
  await call.start("twice-1", { caller: "a" });
  const error = await refusal(call.start("twice-1", { caller: "b" }));
  assert.instance(error, FlowExistsError);
  assert.is((error as FlowExistsError).code, "FLOW_EXISTS");
  const other = await refusal(call.start("twice-1", { caller: "b" }, { eventId: "other" }));
  assert.instance(other, FlowExistsError, "a different event id is not a retry");
});

test("a start retried with the same event id succeeds and starts the flow once", async () => {
  await call.start("retry-start", { caller: "a" }, { eventId: "s-1" });
  await call.start("retry-start", { caller: "a" }, { eventId: "s-1" });
  const flow = await settled("retry-start", 1);
  assert.is(await lastSeq("retry-start"), 1);
  assert.is(flow.state, "Ringing");
});

test("a send retried with the same event id is acknowledged and applied once", async () => {
  await call.start("retry-send", { caller: "a" });
  await call.send("retry-send", { type: "Note", n: 1 }, { eventId: "e-1" });
  await call.send("retry-send", { type: "Note", n: 1 }, { eventId: "e-1" });
  await call.send("retry-send", { type: "Note", n: 2 }, { eventId: "e-2" });
  await settled("retry-send", 3);
  await call.send("retry-send", { type: "Note", n: 1 }, { eventId: "e-1" });
  const flow = await call.get("retry-send");
  assert.equal(flow?.context.notes, [1, 2]);
  assert.is(await lastSeq("retry-send"), 3);
});

test("a retry of an event acknowledged before the flow ended is still acknowledged", async () => {
  await call.start("retry-end", { caller: "a" });
  await call.send("retry-end", { type: "Hangup" }, { eventId: "h-1" });
  await settled("retry-end", 2);
  await call.send("retry-end", { type: "Hangup" }, { eventId: "h-1" });
});

test.run();
