// Prometheus metrics scraped over HTTP: counters per machine and final state, histograms that count every event, and the deployment gauges exported by one process only.
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { FlowRuntime, type MetricsServer } from "../../runtime/index.js";
import { Call, callHandlers } from "./fixtures/call.js";
import { Dial, dialHandlers } from "./fixtures/dial.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { RuntimePool } from "./support/runtimes.js";
import { waitFor } from "./support/wait-for.js";

let server: RedisServer;
let redis: Redis;
const pool = new RuntimePool();

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after(async () => {
  await pool.closeAll();
  redis.disconnect();
  await server.stop({ cleanup: true });
});

/** One sample of the exposition text: its name and labels as written, and its value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (0.0.4) as prom-client writes it: comments skipped, label values unescaped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(metrics: MetricsServer): Promise<Sample[]> {
  const response = await fetch(metrics.url);
  assert.is(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** The value of the sample named `name` whose labels include `labels`; undefined when there is none. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const DEPLOYMENT_GAUGES = [
  "fsmc_flows",
  "fsmc_queued_events",
  "fsmc_flows_past_deadline",
  "fsmc_orphaned_queues",
  "fsmc_hung_holders",
  "fsmc_unrunnable_flows",
  "fsmc_dead_lettered_flows",
  "fsmc_dead_letter_events",
  "fsmc_watchdog_last_scan_timestamp_seconds",
];

const exportsGauges = (samples: Sample[]) => samples.some((s) => DEPLOYMENT_GAUGES.includes(s.name));

test("/metrics counts acked, applied, unhandled and dead-lettered events, starts, ends by final state and handler failures per machine; histograms count every event", async () => {
  await redis.flushall();
  const runtime = pool.add(new FlowRuntime({ redis: server.url, timerPollMs: 20, watchdogIntervalMs: 100, retry: { maxAttempts: 2, baseMs: 5, maxMs: 5 } }));
  const calls = runtime.register(
    Call,
    callHandlers({
      onAction: (name, event) => {
        if (name === "note" && (event as { n?: number }).n === 13) throw new Error("unlucky note");
      },
    }),
  );
  const dials = runtime.register(Dial, dialHandlers());
  await runtime.start();
  const metrics = await runtime.serveMetrics({ port: 0, host: "127.0.0.1" });
  assert.is(metrics.host, "127.0.0.1");
  assert.is((await fetch(new URL("/other", metrics.url))).status, 404);

  // Call: start, a Digit nobody handles while ringing, Answered, Hangup to Ended: 4 events, 3 applied, 1 unhandled.
  for (const id of ["c1", "c2", "c3"]) {
    await calls.start(id, { caller: "+331" });
    await calls.send(id, { type: "Digit", digit: "1" });
    await calls.send(id, { type: "Answered" });
    await calls.send(id, { type: "Hangup" });
  }
  // A Note whose action always throws: two attempts, then the dead-letter list; the flow goes on to Ended.
  await calls.start("c4", { caller: "+332" });
  await calls.send("c4", { type: "Answered" });
  await calls.send("c4", { type: "Note", n: 13 });
  await calls.send("c4", { type: "Hangup" });
  // Dial: one answered (its deadline ends it in TimedOut), one left ringing (its timer ends it in Missed).
  await dials.start("d1", {});
  await dials.send("d1", { type: "Answered" });
  await dials.start("d2", {});

  const samples = await waitFor("every flow to end, as the metrics say", async () => {
    const found = await scrape(metrics);
    const ended = (machine: string, state: string) => sampleValue(found, "fsmc_flows_ended_total", { machine, state });
    return ended("Call", "Ended") === 4 && ended("Dial", "TimedOut") === 1 && ended("Dial", "Missed") === 1 ? found : undefined;
  });
  const counter = (name: string, machine: string) => sampleValue(samples, name, { machine });

  assert.is(counter("fsmc_events_acked_total", "Call"), 16);
  assert.is(counter("fsmc_events_applied_total", "Call"), 12);
  assert.is(counter("fsmc_events_unhandled_total", "Call"), 3);
  assert.is(counter("fsmc_events_dead_lettered_total", "Call"), 1);
  assert.is(counter("fsmc_flows_started_total", "Call"), 4);
  assert.is(sampleValue(samples, "fsmc_handler_failures_total", { machine: "Call", code: "HANDLER_FAILED" }), 2);
  assert.is(counter("fsmc_stale_commits_total", "Call"), 0);
  // Two sends and three timer events (a deadline, a ring timer), all acked; every one applied.
  assert.is(counter("fsmc_events_acked_total", "Dial"), 5);
  assert.is(counter("fsmc_events_applied_total", "Dial"), 5);
  assert.is(counter("fsmc_flows_started_total", "Dial"), 2);
  assert.is(sampleValue(samples, "fsmc_flows_ended_total", { machine: "Call", state: "Ended" }), 4);
  assert.is(counter("fsmc_events_dead_lettered_total", "Dial"), 0);

  const count = (name: string, machine: string) => sampleValue(samples, `${name}_count`, { machine });
  // One ack and one queue wait per event; one handler run per attempt (the failed Note ran twice).
  assert.is(count("fsmc_event_ack_duration_seconds", "Call"), 16);
  assert.is(count("fsmc_event_queue_wait_seconds", "Call"), 16);
  assert.is(count("fsmc_handler_duration_seconds", "Call"), 17);
  assert.is(count("fsmc_event_ack_duration_seconds", "Dial"), 5);
  assert.is(count("fsmc_event_queue_wait_seconds", "Dial"), 5);
  assert.is(count("fsmc_handler_duration_seconds", "Dial"), 5);
  assert.is(count("fsmc_timer_lateness_seconds", "Dial"), 2);
  const commits = count("fsmc_commit_duration_seconds", "Call")!;
  assert.ok(commits >= 1 && commits <= 16, `one commit per drain step, at most one per event (${commits})`);
  // Buckets are cumulative and end with +Inf, equal to the count.
  const buckets = samples.filter((s) => s.name === "fsmc_event_ack_duration_seconds_bucket" && s.labels.machine === "Call");
  assert.is(buckets.at(-1)?.labels.le, "+Inf");
  assert.is(buckets.at(-1)?.value, 16);
  assert.ok(
    buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value),
    "cumulative buckets",
  );
  assert.ok((sampleValue(samples, "fsmc_event_ack_duration_seconds_sum", { machine: "Call" }) ?? -1) > 0);

  // The only runtime holds the watchdog lease: it exports the deployment's gauges, here the dead letter.
  // A scan after every flow ended: no active flow in any state.
  const gauges = await waitFor("a scan to find the dead letter and no active flow", async () => {
    const found = await scrape(metrics);
    const active = found.filter((s) => s.name === "fsmc_flows" && s.value !== 0).length;
    return sampleValue(found, "fsmc_dead_letter_events", { machine: "Call" }) === 1 && active === 0 ? found : undefined;
  });
  assert.is(sampleValue(gauges, "fsmc_watchdog_leader"), 1);
  assert.is(sampleValue(gauges, "fsmc_dead_lettered_flows", { machine: "Call" }), 1);
  assert.is(sampleValue(gauges, "fsmc_dead_lettered_flows", { machine: "Dial" }), 0);
  assert.is(sampleValue(gauges, "fsmc_flows_past_deadline", { machine: "Dial" }), 0);
  // States of the registered machines are exported at 0 rather than not at all.
  assert.is(sampleValue(gauges, "fsmc_flows", { machine: "Dial", state: "Ringing" }), 0);
  assert.is(sampleValue(gauges, "fsmc_queued_events", { machine: "Call" }), 0);

  // metrics() still reports the same counts.
  assert.is(runtime.metrics().applied, 17);
  await runtime.close();
  await fetch(metrics.url).then(
    () => assert.unreachable("the server is closed with the runtime"),
    () => undefined,
  );
});

test("two runtimes on one Redis: exactly one exports the deployment gauges, and the other takes over once it closes", async () => {
  await redis.flushall();
  const options = { redis: server.url, watchdogIntervalMs: 100 };
  const first = pool.add(new FlowRuntime(options));
  const second = pool.add(new FlowRuntime(options));
  const calls = first.register(Call, callHandlers());
  second.register(Call, callHandlers());
  await first.start();
  await second.start();
  const servers = new Map<FlowRuntime, MetricsServer>([
    [first, await first.serveMetrics({ port: 0 })],
    [second, await second.serveMetrics({ port: 0 })],
  ]);
  assert.is.not(servers.get(first)!.port, servers.get(second)!.port);
  // Each runtime has a registry of its own.
  assert.is.not(first.metricsRegistry, second.metricsRegistry);

  await calls.start("r1", { caller: "+1" });
  await calls.start("r2", { caller: "+2" });
  await calls.start("t1", { caller: "+3" });
  await calls.send("t1", { type: "Answered" });

  const expected = (samples: Sample[]) =>
    sampleValue(samples, "fsmc_flows", { machine: "Call", state: "Ringing" }) === 2 &&
    sampleValue(samples, "fsmc_flows", { machine: "Call", state: "Talking" }) === 1;
  const leader = await waitFor("one runtime to export the census of the flows", async () => {
    for (const [runtime, metrics] of servers) if (expected(await scrape(metrics))) return runtime;
    return undefined;
  });
  const follower = leader === first ? second : first;
  assert.is(await redis.exists("fsm:watchdog:leader"), 1, "the lease is a key of the runtime's key space");

  // Several samples: never both at once, and the follower exports none of the deployment's gauges.
  for (let i = 0; i < 5; i++) {
    const [a, b] = await Promise.all([scrape(servers.get(first)!), scrape(servers.get(second)!)]);
    assert.ok(!(exportsGauges(a) && exportsGauges(b)), "two processes export the deployment gauges");
    assert.ok((sampleValue(a, "fsmc_watchdog_leader") ?? 0) + (sampleValue(b, "fsmc_watchdog_leader") ?? 0) <= 1);
  }
  const followed = await scrape(servers.get(follower)!);
  assert.not.ok(exportsGauges(followed), "the follower exports no deployment gauge");
  assert.is(sampleValue(followed, "fsmc_watchdog_leader"), 0);
  // Its own counters are still there (zero: it acked nothing).
  assert.is(sampleValue(followed, "fsmc_events_acked_total", { machine: "Call" }), 0);

  await leader.close();
  const took = await waitFor("the other runtime to take the lease over and export the census", async () => {
    const found = await scrape(servers.get(follower)!);
    return expected(found) && sampleValue(found, "fsmc_watchdog_leader") === 1 ? found : undefined;
  });
  assert.is(sampleValue(took, "fsmc_queued_events", { machine: "Call" }), 0);
  await follower.close();
  assert.is(await redis.exists("fsm:watchdog:leader"), 0, "a closing holder gives the lease up");
});

test.run();
