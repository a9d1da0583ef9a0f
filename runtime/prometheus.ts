// Prometheus metrics of a runtime: counters and histograms per machine, the watchdog's deployment gauges, and an HTTP endpoint that serves them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, type Metric } from "prom-client";

import type { StuckFlows } from "./watchdog.js";

/*
 * The hot path never touches prom-client. Each machine has one MachineStats, found through the
 * registered machine (no lookup by name per event): plain number fields and fixed bucket arrays that
 * an event increments without allocating. prom-client's own label children hash their labels and
 * allocate on every `inc`/`observe` (about 0.2 and 0.5 µs each, measured): a handful per event would
 * cost a few per cent of the runtime's CPU per event. The registry reads the stats when it is scraped,
 * through the `collect` hooks of its metrics.
 */

/** Upper bounds (seconds) of the latency histograms: Redis round trips (sub-millisecond) to handlers that run for seconds. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Upper bounds (seconds) of queue wait and timer lateness: they include retries' backoffs and takeovers after a lock TTL. */
export const WAIT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** One histogram's counts: per bucket (not cumulative; the last is +Inf), their sum and count. */
export class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** What this process counted for one machine (all its versions). */
export class MachineStats {
  acked = 0;
  applied = 0;
  unhandled = 0;
  deadLettered = 0;
  staleCommits = 0;
  started = 0;
  /** Final state → flows that ended in it (final states of registered definitions start at 0). */
  readonly ended = new Map<string, number>();
  /** The non-final states of the registered definitions: fsmc_flows exports them at 0 rather than not at all. */
  readonly activeStates = new Set<string>();
  /** Error code → failed handler attempts (rare: counted by name). */
  readonly handlerFailures = new Map<string, number>();
  readonly ackSeconds = new Buckets(LATENCY_BUCKETS);
  readonly queueWaitSeconds = new Buckets(WAIT_BUCKETS);
  readonly handlerSeconds = new Buckets(LATENCY_BUCKETS);
  readonly commitSeconds = new Buckets(LATENCY_BUCKETS);
  readonly timerLatenessSeconds = new Buckets(WAIT_BUCKETS);

  constructor(readonly machine: string) {}

  endedIn(state: string): void {
    this.ended.set(state, (this.ended.get(state) ?? 0) + 1);
  }

  handlerFailed(code: string): void {
    this.handlerFailures.set(code, (this.handlerFailures.get(code) ?? 0) + 1);
  }
}

/** The deployment gauges of one watchdog scan, per machine. */
interface Census {
  /** Machine → state → active flows. */
  flows: Map<string, Map<string, number>>;
  queued: Map<string, number>;
  pastDeadline: Map<string, number>;
  orphanedQueues: Map<string, number>;
  hungHolders: Map<string, number>;
  unrunnable: Map<string, number>;
  deadLetteredFlows: Map<string, number>;
  deadLetteredEvents: Map<string, number>;
  at: number;
}

function countBy<T extends { machine: string }>(items: readonly T[], weight: (item: T) => number = () => 1): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.machine, (counts.get(item.machine) ?? 0) + weight(item));
  return counts;
}

/** prom-client's Histogram has no way to be given its counts: this one reads them from Buckets at each scrape. */
class StatsHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly stats: () => Iterable<MachineStats>,
    private readonly pick: (stats: MachineStats) => Buckets,
  ) {}

  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const stats of this.stats()) {
      const buckets = this.pick(stats);
      let cumulative = 0;
      for (let i = 0; i <= buckets.bounds.length; i++) {
        cumulative += buckets.counts[i]!;
        const le = i < buckets.bounds.length ? buckets.bounds[i]! : "+Inf";
        values.push({ labels: { machine: stats.machine, le }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { machine: stats.machine }, value: buckets.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { machine: stats.machine }, value: buckets.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/** A gauge without labels that exports nothing while `read` returns undefined. */
class ReadGauge {
  readonly type = "gauge";
  readonly aggregator = "omit";

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | undefined,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string>; value: number }[] } {
    const value = this.read();
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: value === undefined ? [] : [{ labels: {}, value }] };
  }

  reset(): void {}
}

export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one (see `port` of the result). */
  port: number;
  /** Address to listen on; default 127.0.0.1 (Prometheus on the same host or a sidecar). */
  host?: string;
  /** The path served; default `/metrics`. Anything else is a 404. */
  path?: string;
}

/** A server that serves a runtime's registry; `runtime.close()` closes it too. */
export interface MetricsServer {
  readonly port: number;
  readonly host: string;
  /** `http://host:port/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A runtime's Prometheus registry and what it reads. Counters and histograms are this process's own
 * (sum them over processes); the deployment gauges come from the watchdog's scan and are exported
 * only while `leader()` says this process holds the watchdog lease, so one process exports them.
 */
export class RuntimePrometheus {
  readonly registry = new Registry();
  private readonly machines = new Map<string, MachineStats>();
  private census: Census | undefined;
  private readonly servers = new Set<Server>();

  constructor(private readonly leader: () => boolean) {
    const registers = [this.registry];
    const all = () => this.machines.values();
    const counter = (name: string, help: string, read: (stats: MachineStats) => number) =>
      new Counter({
        name,
        help,
        labelNames: ["machine"],
        registers,
        collect() {
          this.reset();
          for (const stats of all()) this.inc({ machine: stats.machine }, read(stats));
        },
      });
    counter(
      "fsmc_events_acked_total",
      "Events this process acknowledged after their durable enqueue (sends, starts and delivered timers; duplicates excluded).",
      (s) => s.acked,
    );
    counter("fsmc_events_applied_total", "Events this process committed with an effect (a transition or the start).", (s) => s.applied);
    counter("fsmc_events_unhandled_total", "Events no clause handled: committed without change.", (s) => s.unhandled);
    counter("fsmc_events_dead_lettered_total", "Events this process moved to a flow's dead-letter list after their last attempt.", (s) => s.deadLettered);
    counter("fsmc_stale_commits_total", "Commits refused by the fence because another process took the flow over.", (s) => s.staleCommits);
    counter("fsmc_flows_started_total", "Flows whose start this process committed.", (s) => s.started);
    new Counter({
      name: "fsmc_flows_ended_total",
      help: "Flows that entered a final state in this process, by that state.",
      labelNames: ["machine", "state"],
      registers,
      collect() {
        this.reset();
        for (const stats of all()) for (const [state, n] of stats.ended) this.inc({ machine: stats.machine, state }, n);
      },
    });
    new Counter({
      name: "fsmc_handler_failures_total",
      help: "Failed handler attempts (a throw, a time-out, a result that cannot be committed, attempts abandoned), by error code.",
      labelNames: ["machine", "code"],
      registers,
      collect() {
        this.reset();
        for (const stats of all()) for (const [code, n] of stats.handlerFailures) this.inc({ machine: stats.machine, code }, n);
      },
    });
    const histogram = (name: string, help: string, pick: (stats: MachineStats) => Buckets) =>
      this.registry.registerMetric(new StatsHistogram(name, help, all, pick) as unknown as Metric);
    histogram("fsmc_event_ack_duration_seconds", "From the enqueue of an event (after validation) to its acknowledgement.", (s) => s.ackSeconds);
    histogram(
      "fsmc_event_queue_wait_seconds",
      "From an event's enqueue (Redis clock) to when a processor began applying it (this process's clock).",
      (s) => s.queueWaitSeconds,
    );
    histogram("fsmc_handler_duration_seconds", "Duration of one attempt at an event's guards and actions, failed attempts included.", (s) => s.handlerSeconds);
    histogram("fsmc_commit_duration_seconds", "Duration of a commit script call, from this process.", (s) => s.commitSeconds);
    histogram(
      "fsmc_timer_lateness_seconds",
      "From a timer's due time (Redis clock) to its delivery as a queued event (this process's clock).",
      (s) => s.timerLatenessSeconds,
    );

    const isLeader = () => this.leader() && this.census !== undefined;
    new Gauge({
      name: "fsmc_watchdog_leader",
      help: "1 while this process holds the watchdog lease and exports the deployment gauges, else 0.",
      registers,
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
    const census = () => (isLeader() ? this.census : undefined);
    const deploymentGauge = (name: string, help: string, read: (c: Census) => Map<string, number>) =>
      new Gauge({
        name,
        help,
        labelNames: ["machine"],
        registers,
        collect() {
          this.reset();
          const found = census();
          if (!found) return;
          const counts = read(found);
          for (const machine of machinesOf(found, all())) this.set({ machine }, counts.get(machine) ?? 0);
        },
      });
    new Gauge({
      name: "fsmc_flows",
      help: "Active flows of the deployment by machine and state, as of the watchdog leader's latest scan.",
      labelNames: ["machine", "state"],
      registers,
      collect() {
        this.reset();
        const found = census();
        if (!found) return;
        for (const stats of all()) for (const state of stats.activeStates) this.set({ machine: stats.machine, state }, 0);
        for (const [machine, states] of found.flows) for (const [state, n] of states) this.set({ machine, state }, n);
      },
    });
    deploymentGauge("fsmc_queued_events", "Events queued in the deployment's flows (queue depth), per machine.", (c) => c.queued);
    deploymentGauge("fsmc_flows_past_deadline", "Active flows overdue on their deadline by more than the grace period.", (c) => c.pastDeadline);
    deploymentGauge("fsmc_orphaned_queues", "Flows with queued events, no live lock, and an oldest event older than the lock TTL.", (c) => c.orphanedQueues);
    deploymentGauge(
      "fsmc_hung_holders",
      "Flows whose lock is held while their head event waited longer than a healthy holder keeps one.",
      (c) => c.hungHolders,
    );
    deploymentGauge("fsmc_unrunnable_flows", "Flows with events waiting whose machine version no live process runs.", (c) => c.unrunnable);
    deploymentGauge("fsmc_dead_lettered_flows", "Flows with dead-lettered events.", (c) => c.deadLetteredFlows);
    deploymentGauge("fsmc_dead_letter_events", "Events in the deployment's dead-letter lists.", (c) => c.deadLetteredEvents);
    // A plain Gauge without labels always exports a value: a follower must export none.
    this.registry.registerMetric(
      new ReadGauge("fsmc_watchdog_last_scan_timestamp_seconds", "Redis time of the watchdog leader's latest scan, seconds since the epoch.", () => {
        const found = census();
        return found ? found.at / 1000 : undefined;
      }) as unknown as Metric,
    );
  }

  /** The stats of one machine, made once and kept: every version of it shares them. Its states' series start at 0. */
  machine(name: string, states: Readonly<Record<string, { final?: boolean }>> = {}): MachineStats {
    let stats = this.machines.get(name);
    if (!stats) this.machines.set(name, (stats = new MachineStats(name)));
    for (const [state, { final }] of Object.entries(states)) {
      if (!final) stats.activeStates.add(state);
      else if (!stats.ended.has(state)) stats.ended.set(state, 0);
    }
    return stats;
  }

  /** The latest watchdog scan, exported while this process leads. */
  recordScan(report: StuckFlows): void {
    const flows = new Map<string, Map<string, number>>();
    const queued = new Map<string, number>();
    for (const entry of report.census ?? []) {
      let states = flows.get(entry.machine);
      if (!states) flows.set(entry.machine, (states = new Map()));
      states.set(entry.state, entry.flows);
      queued.set(entry.machine, (queued.get(entry.machine) ?? 0) + entry.queued);
    }
    this.census = {
      flows,
      queued,
      pastDeadline: countBy(report.pastDeadline),
      orphanedQueues: countBy(report.orphanedQueues),
      hungHolders: countBy(report.hungHolders),
      unrunnable: countBy(report.unrunnable),
      deadLetteredFlows: countBy(report.deadLettered),
      deadLetteredEvents: countBy(report.deadLettered, (f) => f.events.length),
      at: report.at,
    };
  }

  /** Serves the registry at `path` until closed. */
  async serve(options: MetricsServerOptions): Promise<MetricsServer> {
    const host = options.host ?? "127.0.0.1";
    const path = options.path ?? "/metrics";
    const server = createServer((request, response) => {
      const url = request.url ?? "/";
      const query = url.indexOf("?");
      if ((query === -1 ? url : url.slice(0, query)) !== path || (request.method !== "GET" && request.method !== "HEAD")) {
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": this.registry.contentType }).end(request.method === "HEAD" ? undefined : text),
        (error: unknown) => response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`${String(error)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.servers.add(server);
    const { port } = server.address() as AddressInfo;
    const shownHost = host.includes(":") ? `[${host}]` : host;
    return {
      port,
      host,
      url: `http://${shownHost}:${port}${path}`,
      close: () => this.closeServer(server),
    };
  }

  private closeServer(server: Server): Promise<void> {
    if (!this.servers.delete(server)) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      // Scrapers keep connections alive: they must not hold the close up.
      server.closeAllConnections();
    });
  }

  /** Closes every server `serve` opened. */
  async close(): Promise<void> {
    await Promise.all([...this.servers].map((server) => this.closeServer(server)));
  }
}

/** The machines a deployment gauge has a series for: those the scan saw and those registered here (0 when none is stuck). */
function machinesOf(census: Census, registered: Iterable<MachineStats>): Set<string> {
  const machines = new Set(census.flows.keys());
  for (const stats of registered) machines.add(stats.machine);
  for (const counts of [census.pastDeadline, census.orphanedQueues, census.hungHolders, census.unrunnable, census.deadLetteredFlows])
    for (const machine of counts.keys()) machines.add(machine);
  return machines;
}
