// `fsmc inspector` as a real subprocess, driven in Chromium: live counts on the diagram, a flow's page (escaped), replay of a dead letter, refused mutations.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium, type Browser, type Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { repoRoot } from "../support/run-fsmc.js";
import { RuntimePool } from "../runtime/support/runtimes.js";
import { waitFor } from "../runtime/support/wait-for.js";

/** Where a screenshot goes: docs/ when FSMC_SCREENSHOTS=docs (to refresh the README's pictures), else the test's own temporary folder. */
function screenshotPath(name: string): string {
  return process.env.FSMC_SCREENSHOTS === "docs" ? join(repoRoot, "docs", name) : join(dir, "..", name);
}

const TOKEN = "inspector-test-token";
const CHROMIUM = "/usr/bin/chromium";

const spec = `machine Call {
  version 2
  context {
    caller: string
    notes: int[] = []
    digits: string = ""
    trail: string[] = []
  }
  event Answered
  event Note { n: int }
  event Hangup { cause: string? }
  on Hangup -> Ended / release
  initial state Ringing {
    on Answered -> Talking
    on Note / note
  }
  state Talking {
    entry greet
    on Note / note
  }
  final state Ended {
  }
}
`;

let server: RedisServer;
let dir: string;
let inspector: ChildProcess;
let base: string;
let browser: Browser;
let page: Page;
const pool = new RuntimePool();
let call: Awaited<ReturnType<RuntimePool["call"]>>["client"];
/** Notes whose action throws, for as long as they are in the set. */
const failing = new Set<number>();
const probe = {
  onAction: (name: string, event: { type: string }) => {
    const n = (event as unknown as { n?: number }).n;
    if (name === "note" && n !== undefined && failing.has(n)) throw new Error(`note ${n} failed`);
  },
};

/** Starts `fsmc inspector` and resolves once it prints where it listens. */
async function startInspector(port: number, token: string | null = TOKEN): Promise<ChildProcess> {
  const env = { ...process.env };
  delete env.FSMC_INSPECTOR_TOKEN;
  if (token !== null) env.FSMC_INSPECTOR_TOKEN = token;
  const child = spawn(process.execPath, [join(repoRoot, "bin/fsmc.js"), "inspector", "--redis", server.url, "--port", String(port), "--specs", dir], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  await waitFor(
    "the inspector to listen",
    () => {
      if (child.exitCode !== null) throw new Error(`the inspector exited with ${child.exitCode}: ${err}`);
      return out.includes(`http://127.0.0.1:${port}/`);
    },
    20_000,
    50,
  );
  return child;
}

/** The count the overview's diagram shows on `state` of machine Call. */
const shownCount = (state: string) => page.locator(`section[data-machine="Call"] g.state[data-state="${state}"] .count`).textContent();

test.before(async () => {
  server = await startRedis();
  dir = mkdtempSync(join(tmpdir(), "fsmc-inspector-"));
  mkdirSync(join(dir, "specs"));
  writeFileSync(join(dir, "specs", "call.fsm"), spec);
  dir = join(dir, "specs");
  ({ client: call } = await pool.call({ redis: server.url, retry: { maxAttempts: 2, baseMs: 5, maxMs: 20 }, sweepIntervalMs: 50, onError: () => {} }, probe));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  inspector = await startInspector(port);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
});

test.after(async () => {
  await browser?.close();
  if (inspector && inspector.exitCode === null) {
    const exited = new Promise((resolve) => inspector.once("exit", resolve));
    inspector.kill("SIGTERM");
    await exited;
  }
  await pool.closeAll();
  await server.stop({ cleanup: true });
  rmSync(join(dir, ".."), { recursive: true, force: true });
});

test("the overview draws the machine and its counts per state follow the flows as they move", async () => {
  await call.start("c-1", { caller: "alice" });
  await call.start("c-2", { caller: "bob" });
  await page.goto(`${base}/`);
  assert.ok(await page.locator('section[data-machine="Call"] svg.diagram').isVisible());
  await waitFor("2 flows in Ringing on the diagram", async () => (await shownCount("Ringing")) === "2", 10_000, 100);
  assert.is(await shownCount("Talking"), "0");
  await call.send("c-1", { type: "Answered" });
  await call.send("c-2", { type: "Answered" });
  await waitFor("the poll to move both flows to Talking", async () => (await shownCount("Talking")) === "2", 10_000, 100);
  assert.is(await shownCount("Ringing"), "0");
  await page.screenshot({ path: screenshotPath("inspector-overview.png"), fullPage: true });
});

test("a flow's page shows its state and context; a context value with a script tag is text, not run", async () => {
  const payload = "<script>window.__pwned=1</script>";
  await call.start("c-xss", { caller: payload });
  await waitFor("c-xss to start", async () => (await call.get("c-xss"))?.state === "Ringing");
  await page.goto(`${base}/flows/Call/c-xss`);
  assert.is(await page.locator("#flow-state").textContent(), "Ringing");
  const context = JSON.parse((await page.locator("#flow-context").textContent()) ?? "null") as { caller: string };
  assert.is(context.caller, payload);
  assert.is(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
  assert.is(await page.locator("script:not([nonce])").count(), 0);
});

test("a dead letter is replayed from its flow's page with the token, and the flow moves on", async () => {
  failing.add(7);
  await call.start("c-dl", { caller: "carol" });
  await call.send("c-dl", { type: "Note", n: 7 });
  await waitFor("the note to be dead-lettered", async () => (await deadLetters("c-dl")) === 1);
  await page.goto(`${base}/`);
  await waitFor(
    "the overview to list the dead letter",
    async () => (await page.locator("#problems-deadLettered").textContent())?.includes("Call/c-dl"),
    10_000,
    100,
  );
  await page.goto(`${base}/flows/Call/c-dl`);
  assert.is(await page.locator("tr.dead-letter").count(), 1);
  await page.screenshot({ path: screenshotPath("inspector-flow.png"), fullPage: true });
  failing.delete(7);
  const replay = page.locator('tr.dead-letter form[data-op="replay"]');
  await replay.locator('input[name="token"]').fill(TOKEN);
  await replay.locator("button").click();
  await page.waitForURL(/message=/);
  assert.match((await page.locator("#message").textContent()) ?? "", "dead letter 1 (Note, was #2) queued again");
  await waitFor("the runtime to apply the replayed note", async () => (await call.get("c-dl"))?.context.notes.join() === "7");
  await page.goto(`${base}/flows/Call/c-dl`);
  assert.is(await page.locator("#dead-letter-count").textContent(), "0");
  assert.match((await page.locator("#flow-context").textContent()) ?? "", /"notes": \[\s*7\s*\]/);
});

test("mutations without the token, with a wrong one, without the CSRF token or from another origin are refused", async () => {
  failing.add(8);
  await call.send("c-dl", { type: "Note", n: 8 });
  await waitFor("the note to be dead-lettered", async () => (await deadLetters("c-dl")) === 1);
  const html = await (await fetch(`${base}/flows/Call/c-dl`)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  assert.ok(csrf.length > 0);
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: "POST", body: new URLSearchParams(body), headers, redirect: "manual" });
  assert.is((await post("/flows/Call/c-dl/purge", { csrf })).status, 401);
  assert.is((await post("/flows/Call/c-dl/replay", { csrf, n: "1", token: "not-the-token" })).status, 401);
  assert.is((await post("/flows/Call/c-dl/unlock", { csrf }, { authorization: "Bearer wrong-token" })).status, 401);
  assert.is((await post("/flows/Call/c-dl/purge", { token: TOKEN })).status, 403, "no CSRF token");
  assert.is((await post("/flows/Call/c-dl/purge", { token: TOKEN, csrf }, { origin: "http://evil.example" })).status, 403, "another origin");
  assert.is(await deadLetters("c-dl"), 1, "nothing was purged");
  const purged = await post("/flows/Call/c-dl/purge", { csrf }, { authorization: `Bearer ${TOKEN}`, accept: "application/json" });
  assert.is(purged.status, 200);
  assert.is(await deadLetters("c-dl"), 0);
});

test("every page carries a Content-Security-Policy that allows scripts only by nonce", async () => {
  const response = await fetch(`${base}/`);
  const policy = response.headers.get("content-security-policy") ?? "";
  assert.match(policy, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
  assert.not.match(policy, "unsafe-inline");
});

test("without a token the inspector is read-only: it says so and every mutation is refused", async () => {
  const port = await freePort();
  const readOnly = await startInspector(port, null);
  try {
    const html = await (await fetch(`http://127.0.0.1:${port}/flows/Call/c-dl`)).text();
    assert.match(html, "Read-only");
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const response = await fetch(`http://127.0.0.1:${port}/flows/Call/c-dl/unlock`, {
      method: "POST",
      body: new URLSearchParams({ csrf, token: TOKEN }),
      headers: { authorization: `Bearer ${TOKEN}` },
      redirect: "manual",
    });
    assert.is(response.status, 403);
  } finally {
    const exited = new Promise((resolve) => readOnly.once("exit", resolve));
    readOnly.kill("SIGTERM");
    await exited;
  }
});

async function deadLetters(flowId: string): Promise<number> {
  const response = await fetch(`${base}/api/flows/Call/${flowId}`);
  return ((await response.json()) as { deadLetters: unknown[] }).deadLetters.length;
}

test.run();
