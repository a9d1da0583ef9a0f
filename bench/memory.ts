// Benchmark `memory`: Redis bytes per idle flow waiting with one armed timer, against the same flows kept as one plain JSON string per key.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { FlowRuntime, type MachineDefinition } from "../runtime/index.js";
import { timerShardKey } from "../runtime/timers/index.js";
import { startRedis } from "../test/support/redis.js";
import { describeMachine } from "./support/machine-description.js";
import { formatRatio, markdownTable } from "./support/markdown-table.js";

const FLOWS = Number(process.env.BENCH_FLOWS ?? 100_000);
const TIMER_SHARDS = 16;

/**
 * The same benchmark measured before the flow hash was compacted (2026-11-26, 100,000 flows, same
 * machine kind): timers kept as JSON (~195 bytes) made every flow hash a hashtable; packing them
 * alone (TimerStore.pack, long field names) was projected at 543. Printed beside today's figures.
 */
const BEFORE = {
  jsonTimers: { total: 1_359, hash: 1_048 },
  packedTimersOnly: { total: 543, hash: 328 },
  /** One-letter fields, packed timers, and a long timer member (machine, flow id, timer id, state, entry, ms, due) in shared shards `fsm:timers:{n}` (2026-11-26). */
  longMember: { total: 480, hash: 264, timer: 184 },
};

/** `initial state Ringing { on Answered -> Talking; after 1h -> Missed }`, context { caller, digits = "", attempts = 0 }: an inbound call waiting to be answered. */
const Waiting: MachineDefinition = {
  name: "InboundCall",
  version: 1,
  initial: "Ringing",
  finals: ["Missed", "Talking"],
  states: {
    Ringing: {
      final: false,
      entry: [],
      exit: [],
      on: { Answered: [{ target: "Talking", actions: [] }] },
      timers: [{ id: "Ringing/1h", ms: 3_600_000, clauses: [{ target: "Missed", actions: [] }] }],
    },
    Talking: { final: true, entry: [], exit: [], on: {}, timers: [] },
    Missed: { final: true, entry: [], exit: [], on: {}, timers: [] },
  },
  on: {},
  contextDefaults: { digits: "", attempts: 0 },
  schemas: {
    events: { Answered: { type: "object", properties: { type: { const: "Answered" } }, required: ["type"] } },
    startContext: { type: "object", properties: { caller: { type: "string" } }, required: ["caller"] },
  },
  guards: [],
  actions: [],
};

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function settle(redis: Redis): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return usedMemory(redis);
}

/** Call ids as a switch hands them out (UUIDs, 36 characters); the caller's number is the only start field. */
const flowIds = Array.from({ length: FLOWS }, () => randomUUID());
const caller = (i: number) => `+1555${String(1_000_000 + i).slice(1)}`;

const server = await startRedis();
const admin = new Redis(server.url);
try {
  const machine = await describeMachine(admin);

  // fsmc: FlowRuntime starts every flow; each ends up idle in Ringing with its 1 h timer armed.
  const runtime = new FlowRuntime({ redis: server.url, timerShards: TIMER_SHARDS });
  const calls = runtime.register(Waiting, { guards: {}, actions: {} });
  await runtime.start();
  const before = await settle(admin);
  const started = Date.now();
  for (let i = 0; i < FLOWS; i += 500) {
    await Promise.all(flowIds.slice(i, i + 500).map((id, j) => calls.start(id, { caller: caller(i + j) })));
  }
  // Idle: every start applied (the timer armed), no queue, no lock, nothing pending.
  for (;;) {
    let timers = 0;
    for (let shard = 0; shard < TIMER_SHARDS; shard++) timers += await admin.zcard(timerShardKey("InboundCall", shard));
    if (timers >= FLOWS && (await admin.exists(...Array.from({ length: 8 }, (_, s) => `fsm:pending:{${s}}`))) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const startSeconds = (Date.now() - started) / 1000;
  await runtime.close();
  const after = await settle(admin);
  const fsmcBytes = (after - before) / FLOWS;

  // Where the bytes go: the flow hash and the timer index, by MEMORY USAGE (sampled hashes, every shard).
  const sample = flowIds.slice(0, 1_000);
  let hashBytes = 0;
  for (const id of sample) hashBytes += Number(await admin.memory("USAGE", `fsm:{InboundCall:${id}}:s`, "SAMPLES", "0"));
  hashBytes /= sample.length;
  let timerBytes = 0;
  for (let shard = 0; shard < TIMER_SHARDS; shard++) timerBytes += Number(await admin.memory("USAGE", timerShardKey("InboundCall", shard), "SAMPLES", "0"));
  timerBytes /= FLOWS;
  const keysPerFlow = (await admin.dbsize()) / FLOWS;
  const example = await admin.hgetall(`fsm:{InboundCall:${flowIds[0]}}:s`);
  const [exampleMember = ""] = await admin.zrange(timerShardKey("InboundCall", 0), "0", "0");

  const encoding = await admin.object("ENCODING", `fsm:{InboundCall:${flowIds[0]}}:s`);

  // Baseline: the same flows as one JSON string each (state, context, version and the timer's due time), nothing else.
  await admin.flushall();
  const baseBefore = await settle(admin);
  for (let i = 0; i < FLOWS; i += 1_000) {
    const pipeline = admin.pipeline();
    flowIds.slice(i, i + 1_000).forEach((id, j) => {
      const ctx = { caller: caller(i + j), digits: "", attempts: 0 };
      pipeline.set(`flow:InboundCall:${id}`, JSON.stringify({ state: "Ringing", ctx, version: 1, timerDue: Date.now() + 3_600_000 }));
    });
    await pipeline.exec();
  }
  const baseBytes = ((await settle(admin)) - baseBefore) / FLOWS;

  console.log(`\n### memory — ${FLOWS.toLocaleString("en-US")} idle flows, one armed timer each, 36-character flow ids\n`);
  console.log(`${machine}\n`);
  console.log(
    markdownTable(
      ["variant", "bytes per flow", "÷ baseline", "target ≤ 400"],
      [
        ["fsmc (flow hash + timer index entry)", String(Math.round(fsmcBytes)), formatRatio(fsmcBytes / baseBytes), fsmcBytes <= 400 ? "met" : "**missed**"],
        [`  of which the flow hash (MEMORY USAGE, 1,000 sampled; encoding ${encoding})`, String(Math.round(hashBytes)), "", ""],
        ["  of which its timer in `fsm:timers:{InboundCall:n}` (MEMORY USAGE of the shards ÷ flows)", String(Math.round(timerBytes)), "", ""],
        ["before: long timer member in shared shards, recorded", String(BEFORE.longMember.total), formatRatio(BEFORE.longMember.total / baseBytes), "missed"],
        ["  of which the flow hash / its timer", `${BEFORE.longMember.hash} / ${BEFORE.longMember.timer}`, "", ""],
        [
          "before: timers as JSON in the flow hash (hashtable), recorded",
          String(BEFORE.jsonTimers.total),
          formatRatio(BEFORE.jsonTimers.total / baseBytes),
          "missed",
        ],
        ["  of which the flow hash", String(BEFORE.jsonTimers.hash), "", ""],
        [
          "before: timers packed, long field names (projection), recorded",
          String(BEFORE.packedTimersOnly.total),
          formatRatio(BEFORE.packedTimersOnly.total / baseBytes),
          "missed",
        ],
        ["  of which the flow hash", String(BEFORE.packedTimersOnly.hash), "", ""],
        ["baseline: one JSON string per flow", String(Math.round(baseBytes)), "1.00×", ""],
      ],
    ),
  );
  console.log(`\nkeys per flow: ${keysPerFlow.toFixed(2)}; ${FLOWS.toLocaleString("en-US")} flows started in ${startSeconds.toFixed(1)} s.`);
  console.log(
    `\nflow hash fields of one flow (value bytes): ${Object.entries(example)
      .map(([k, v]) => `${k} ${Buffer.byteLength(v)}`)
      .join(", ")}`,
  );
  console.log(`timer member of one flow: ${Buffer.byteLength(exampleMember)} bytes`);
} finally {
  admin.disconnect();
  await server.stop({ cleanup: true });
}
