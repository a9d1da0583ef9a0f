// The inspector's pages, rendered on the server. Everything read from Redis or a spec goes through escapeHtml; the only scripts are inline ones carrying the response's nonce.
import type { FlowInspection } from "@fsmc/runtime/operations";

import type { MachineGraph } from "../../graph/machine-graph.js";
import { renderMachineSvg } from "./diagram.js";
import { escapeHtml } from "./escape.js";

export { escapeHtml };

/** JSON for an inline script: no `</script>`, no `<!--`, no line separators that end a string. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const style = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
header .mode { margin-left: auto; font-size: 12px; opacity: .8; }
main { padding: 16px 20px; }
section.machine { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; overflow-x: auto; }
h2 { margin: 0 0 8px; font-size: 18px; }
h3 { margin: 16px 0 6px; font-size: 15px; }
.diagram .state rect { fill: #eef3ff; stroke: #3b5bdb; stroke-width: 1.5; }
.diagram .state.initial rect { stroke-width: 3; }
.diagram .state.final rect { fill: #f1f3f5; stroke: #495057; }
.diagram .state.busy rect { fill: #d3f9d8; stroke: #2b8a3e; }
.diagram .name { font-weight: 600; font-size: 13px; }
.diagram .count { font: 700 13px ui-monospace, monospace; fill: #2b8a3e; }
.diagram .edge { fill: none; stroke: #868e96; stroke-width: 1.3; }
.diagram .edge.timer { stroke-dasharray: 5 3; }
.diagram .edge-label { font-size: 11px; fill: #495057; }
.diagram marker path { fill: #868e96; }
ul.notes { font-size: 12px; color: #495057; margin: 4px 0 0; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid #dde1e7; padding: 4px 8px; text-align: left; vertical-align: top; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font: 12px ui-monospace, monospace; }
.problems li { margin: 2px 0; }
.muted { color: #868e96; }
.message { background: #fff3bf; border: 1px solid #fab005; padding: 6px 10px; border-radius: 6px; margin-bottom: 12px; }
form.op { display: inline-flex; gap: 6px; align-items: center; margin: 2px 0; }
form.op input[type=password] { width: 10em; }
button { cursor: pointer; }
button.danger { color: #c92a2a; }
`;

export interface PageOptions {
  title: string;
  nonce: string;
  readOnly: boolean;
  body: string;
  script?: string;
}

export function page({ title, nonce, readOnly, body, script }: PageOptions): string {
  const mode = readOnly ? "read-only (no --token)" : "operations need the token";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · fsmc inspector</title><style nonce="${nonce}">${style}</style></head>
<body><header><a href="/">fsmc inspector</a><span>${escapeHtml(title)}</span><span class="mode">${mode}</span></header><main>${body}</main>${
    script ? `<script nonce="${nonce}">${script}</script>` : ""
  }</body></html>`;
}

/** What the overview shows and its poll returns: live flows per machine and state, and the problems of listStuckFlows. */
export interface Overview {
  at: number;
  counts: Record<string, Record<string, number>>;
  pastDeadline: { machine: string; flowId: string; state: string; overdueMs: number }[];
  orphanedQueues: { machine: string; flowId: string; queued: number }[];
  hungHolders: { machine: string; flowId: string; holder: string }[];
  deadLettered: { machine: string; flowId: string; events: number }[];
}

export function flowHref(machine: string, flowId: string): string {
  return `/flows/${encodeURIComponent(machine)}/${encodeURIComponent(flowId)}`;
}

function problemItems(overview: Overview): Record<string, string[]> {
  const link = (m: string, id: string) => `<a href="${escapeHtml(flowHref(m, id))}">${escapeHtml(`${m}/${id}`)}</a>`;
  return {
    pastDeadline: overview.pastDeadline.map(
      (f) => `<li>${link(f.machine, f.flowId)} in ${escapeHtml(f.state)}, overdue ${escapeHtml((f.overdueMs / 1000).toFixed(1))}s</li>`,
    ),
    deadLettered: overview.deadLettered.map((f) => `<li>${link(f.machine, f.flowId)}: ${f.events} dead letter(s)</li>`),
    orphanedQueues: overview.orphanedQueues.map((f) => `<li>${link(f.machine, f.flowId)}: ${f.queued} queued, no lock</li>`),
    hungHolders: overview.hungHolders.map((f) => `<li>${link(f.machine, f.flowId)}: held by ${escapeHtml(f.holder)}, not progressing</li>`),
  };
}

const problemTitles: Record<string, string> = {
  pastDeadline: "Past their deadline",
  deadLettered: "Dead letters",
  orphanedQueues: "Queues no lock drains",
  hungHolders: "Hung lock holders",
};

/** The poller of the overview: fills in the counts on the diagrams and the problem lists from /api/overview every 2 s. */
const overviewScript = `
const titles = ${scriptJson(problemTitles)};
function href(m, id) { return "/flows/" + encodeURIComponent(m) + "/" + encodeURIComponent(id); }
function item(f, text) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = href(f.machine, f.flowId);
  a.textContent = f.machine + "/" + f.flowId;
  li.append(a, document.createTextNode(text));
  return li;
}
const describe = {
  pastDeadline: (f) => " in " + f.state + ", overdue " + (f.overdueMs / 1000).toFixed(1) + "s",
  deadLettered: (f) => ": " + f.events + " dead letter(s)",
  orphanedQueues: (f) => ": " + f.queued + " queued, no lock",
  hungHolders: (f) => ": held by " + f.holder + ", not progressing",
};
function apply(o) {
  for (const section of document.querySelectorAll("section.machine[data-machine]")) {
    const counts = o.counts[section.dataset.machine] || {};
    let total = 0;
    for (const g of section.querySelectorAll("g.state")) {
      const n = counts[g.dataset.state] || 0;
      total += n;
      g.querySelector(".count").textContent = String(n);
      g.classList.toggle("busy", n > 0);
    }
    section.querySelector(".total").textContent = String(total);
  }
  for (const key of Object.keys(titles)) {
    const list = document.getElementById("problems-" + key);
    list.replaceChildren(...o[key].map((f) => item(f, describe[key](f))));
    document.getElementById("count-" + key).textContent = String(o[key].length);
  }
  const updated = document.getElementById("updated");
  updated.textContent = new Date(o.at).toISOString();
  updated.dataset.at = String(o.at);
}
async function poll() {
  try {
    const response = await fetch("/api/overview", { headers: { accept: "application/json" } });
    if (response.ok) apply(await response.json());
    document.getElementById("status").textContent = response.ok ? "" : "the inspector answered " + response.status;
  } catch (error) {
    document.getElementById("status").textContent = "the inspector is not answering";
  }
  setTimeout(poll, 2000);
}
setTimeout(poll, 2000);
`;

export function overviewPage(options: {
  nonce: string;
  readOnly: boolean;
  machines: { name: string; graph: MachineGraph }[];
  overview: Overview;
  specNote: string;
}): string {
  const { overview } = options;
  const sections = options.machines.map(({ name, graph }) => {
    const counts = overview.counts[name] ?? {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const filled = renderMachineSvg(graph, counts);
    return `<section class="machine" data-machine="${escapeHtml(name)}"><h2>${escapeHtml(name)} <span class="muted">· <span class="total">${total}</span> active flow(s)</span></h2>${filled}</section>`;
  });
  const items = problemItems(overview);
  const problems = Object.entries(problemTitles)
    .map(
      ([key, title]) =>
        `<h3>${title} (<span id="count-${key}">${items[key]!.length}</span>)</h3><ul class="problems" id="problems-${key}">${items[key]!.join("")}</ul>`,
    )
    .join("");
  const body = `<p class="muted">Counts of active flows per state, as of <span id="updated" data-at="${overview.at}">${new Date(overview.at).toISOString()}</span>, refreshed every 2 s. <span id="status"></span></p>
${options.specNote}${sections.join("") || '<p class="muted">No machines: give the specs with --specs to draw them.</p>'}
<section class="machine problems-section"><h2>Flows that need a look</h2>${problems}</section>
<form class="op" method="get" action="/flows"><input name="machine" placeholder="machine" required><input name="flowId" placeholder="flow id" required><button>Open flow</button></form>`;
  return page({ title: "Overview", nonce: options.nonce, readOnly: options.readOnly, body, script: overviewScript });
}

const time = (ms: number | undefined) => (ms === undefined ? "–" : new Date(ms).toISOString());

export interface FlowPageOptions {
  nonce: string;
  readOnly: boolean;
  csrf: string;
  flow: FlowInspection;
  message?: string;
}

function operation(options: FlowPageOptions, action: string, label: string, fields: Record<string, string>, cls = ""): string {
  const href = `${flowHref(options.flow.machine, options.flow.flowId)}/${action}`;
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const disabled = options.readOnly ? " disabled" : "";
  return `<form class="op" method="post" action="${escapeHtml(href)}" data-op="${escapeHtml(action)}"><input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">${hidden}<input type="password" name="token" placeholder="token" autocomplete="off" aria-label="token"${disabled}><button class="${cls}"${disabled}>${escapeHtml(label)}</button></form>`;
}

export function flowPage(options: FlowPageOptions): string {
  const f = options.flow;
  const rows: [string, string][] = f.exists
    ? [
        ["state", `<span id="flow-state">${escapeHtml(f.state)}</span> <span class="muted">(<span id="flow-status">${escapeHtml(f.status)}</span>)</span>`],
        ["version", `<span id="flow-version">${escapeHtml(f.version)}</span> <span class="muted">(machine version ${escapeHtml(f.machineVersion)})</span>`],
        ["epoch / last seq", `${escapeHtml(f.epoch)} / ${escapeHtml(f.lastSeq)}`],
        ["created / updated", `${time(f.created)} / ${time(f.updated)}`],
        ...(f.expiresInMs !== undefined ? ([["expires in", `${escapeHtml(f.expiresInMs)} ms`]] as [string, string][]) : []),
        ["context", `<pre id="flow-context">${escapeHtml(JSON.stringify(f.context, null, 2))}</pre>`],
      ]
    : [["state", '<span id="flow-state">not found</span> <span class="muted">(never started, or expired after it ended)</span>']];
  const timers = (f.timers ?? []).map((t) => `<li>${escapeHtml(t.id)}: ${t.due === undefined ? "not in its shard" : `due ${time(t.due)}`}</li>`);
  if (f.deadline) timers.push(`<li>deadline: ${f.deadline.due === undefined ? "due unknown" : `due ${time(f.deadline.due)}`}</li>`);
  rows.push(["armed timers", timers.length > 0 ? `<ul id="flow-timers">${timers.join("")}</ul>` : '<span class="muted">none</span>']);
  rows.push([
    "lock",
    f.lock
      ? `held by <code id="flow-lock">${escapeHtml(f.lock.holder)}</code>, expires in ${escapeHtml(f.lock.ttlMs)} ms ${operation(options, "unlock", "Force unlock", {}, "danger")}`
      : `<span id="flow-lock">free</span> ${operation(options, "unlock", "Force unlock", {}, "danger")}`,
  ]);
  const queue = f.queue.map(
    (r) =>
      `<tr><td>#${escapeHtml(r.seq)}</td><td><pre>${escapeHtml(JSON.stringify(r.event))}</pre></td><td>${escapeHtml(r.id ?? "")}</td><td>${time(r.at)}</td></tr>`,
  );
  const deadLetters = f.deadLetters.map((raw, i) => {
    const d = raw as { seq?: number; event?: unknown; id?: string; state?: string; attempts?: number; code?: string; error?: string; at?: number };
    const n = String(i + 1);
    return `<tr class="dead-letter"><td>${n}</td><td>#${escapeHtml(d.seq)}</td><td><pre>${escapeHtml(JSON.stringify(d.event))}</pre></td><td>${escapeHtml(d.state)}</td><td>${escapeHtml(d.attempts)}</td><td><pre>${escapeHtml(`${d.code}: ${d.error}`)}</pre></td><td>${
      operation(options, "replay", "Replay", { n }) + operation(options, "purge", "Purge", { n }, "danger")
    }</td></tr>`;
  });
  const body = `${options.message ? `<p class="message" id="message">${escapeHtml(options.message)}</p>` : ""}
<h2>${escapeHtml(`${f.machine}/${f.flowId}`)}</h2>
<table class="flow">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>
<h3>Queue (${f.queue.length})</h3>${queue.length > 0 ? `<table><tr><th>seq</th><th>event</th><th>id</th><th>queued</th></tr>${queue.join("")}</table>` : '<p class="muted">empty</p>'}
<h3>Dead letters (<span id="dead-letter-count">${f.deadLetters.length}</span>)</h3>${
    deadLetters.length > 0
      ? `<table><tr><th>n</th><th>seq</th><th>event</th><th>in state</th><th>attempts</th><th>error</th><th></th></tr>${deadLetters.join("")}</table>${operation(options, "purge", "Purge all", {}, "danger")}`
      : '<p class="muted">none</p>'
  }
${options.readOnly ? '<p class="muted">Read-only: start the inspector with --token (or $FSMC_INSPECTOR_TOKEN) to replay, purge or unlock.</p>' : ""}`;
  return page({ title: `${f.machine}/${f.flowId}`, nonce: options.nonce, readOnly: options.readOnly, body });
}
