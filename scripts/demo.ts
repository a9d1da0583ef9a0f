// `npm start`: compiles specs/ and runs one inbound support call on the Redis runtime, printing each transition.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { Redis } from "ioredis";

import { FlowRuntime, FlowClosedError, PayloadError, type TransitionInfo } from "../runtime/index.js";

const root = new URL("..", import.meta.url).pathname;

function step(message: string): void {
  console.log(`\n▸ ${message}`);
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** REDIS_URL when it answers; else a throwaway redis-server on a free port; else a clear message. */
async function redisForDemo(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (await answers(given)) return { url: given, stop: async () => {} };
    throw new Error(`REDIS_URL is ${given} but no Redis answers there. Start Redis there, or unset REDIS_URL to use a throwaway redis-server.`);
  }
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    throw new Error(
      "The demo needs Redis: set REDIS_URL=redis://host:port to a running Redis (6.2 or later), " +
        "or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) so the demo can start a throwaway one.",
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fsmc-demo-"));
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 200 && !(await answers(url)); i++) await sleep(25);
  if (!(await answers(url))) throw new Error(`a throwaway redis-server did not start on port ${port}`);
  console.log(`Using a throwaway redis-server at ${url} (set REDIS_URL to use your own).`);
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

step("Compiling specs/ into generated/ with fsmc");
const compiled = spawnSync(process.execPath, [join(root, "bin/fsmc.js"), "compile", "specs", "-o", "generated"], { cwd: root, stdio: "inherit" });
if (compiled.status !== 0) {
  console.error("fsmc compile failed; see the diagnostics above.");
  process.exit(1);
}
const { InboundIvr } = await import("../generated/inbound-ivr.js");

let redis: { url: string; stop: () => Promise<void> };
try {
  redis = await redisForDemo();
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const transitions: TransitionInfo[] = [];
const runtime = new FlowRuntime({
  redis: redis.url,
  onTransition: (info) => {
    transitions.push(info);
    const via = info.event.type === "fsm.start" ? "start" : info.event.type;
    console.log(`  ${info.flowId}: ${info.from ?? "·"} --${via}--> ${info.to}`);
  },
  onUnhandled: (info) => console.log(`  ${info.flowId}: ${info.event.type} not handled in ${info.state}`),
});

const say = (line: string) => () => console.log(`    · ${line}`);
const calls = runtime.register(InboundIvr, {
  guards: {
    isLanguageKey: (_ctx, e) => e.digit === "1" || e.digit === "2" || e.digit === "3",
    isAgentKey: (_ctx, e) => e.digit === "1" || e.digit === "2" || e.digit === "3",
    isRepeatKey: (_ctx, e) => e.digit === "*",
    isHashKey: (_ctx, e) => e.digit === "#",
    isBusinessHours: () => true,
    isVip: (ctx) => ctx.isVip,
    tooManyInvalidAttempts: (ctx) => ctx.invalidAttempts + 1 >= ctx.maxInvalidAttempts,
    hasNextAgentGroup: (ctx) => ctx.agentGroupIndex + 1 < ctx.agentGroups.length,
  },
  actions: {
    answerCall: say("answering the call leg"),
    playLanguagePrompt: say("playing: for English press 1, para español oprima 2, pour le français tapez 3"),
    storeLanguage: (_ctx, e) => ({ language: e.digit === "2" ? "es" : e.digit === "3" ? "fr" : "en" }),
    resetInvalidAttempts: () => ({ invalidAttempts: 0 }),
    countInvalidAttempt: (ctx) => ({ invalidAttempts: ctx.invalidAttempts + 1 }),
    playMainMenu: (ctx) => console.log(`    · playing the main menu in '${ctx.language}'`),
    playInvalidChoice: say("playing: that is not a valid choice"),
    storeMenuChoice: (_ctx, e) => ({ menuChoice: e.digit === "1" ? "sales" : e.digit === "2" ? "support" : "billing" }),
    loadAgentGroups: (ctx) => ({ agentGroups: [`${ctx.language}-tier1`, `${ctx.language}-tier2`], agentGroupIndex: 0 }),
    playAfterHoursNotice: say("playing: we are closed"),
    playHoldMusic: say("hold music on"),
    bridgeToAgentGroup: (ctx) => console.log(`    · ringing agent group ${ctx.agentGroups[ctx.agentGroupIndex] ?? "?"}`),
    stopHoldMusic: say("hold music off"),
    advanceAgentGroup: (ctx) => ({ agentGroupIndex: ctx.agentGroupIndex + 1 }),
    cancelBridge: say("cancelling the ringing group"),
    playAgentsUnavailable: say("playing: no agent is available"),
    storeAgent: (_ctx, e) => ({ agentId: e.agentId, queueSeconds: e.ringSeconds }),
    startRecording: say("recording started"),
    stopRecording: say("recording stopped"),
    storeWrapUpCodes: (_ctx, e) => console.log(`    · wrap-up codes: ${e.wrapUpCodes.join(", ")}`),
    playVoicemailGreeting: say("playing the voicemail greeting"),
    startVoicemailRecording: say("recording voicemail"),
    stopVoicemailRecording: say("voicemail recording stopped"),
    saveVoicemail: say("saving voicemail"),
    notifyMailboxOwner: say("mailbox owner notified"),
    playGoodbye: say("playing: goodbye"),
    releaseCall: say("releasing the call"),
    recordHangup: (_ctx, e) => console.log(`    · caller hung up (${e.cause ?? "no cause"})`),
    logAnswerFailure: say("the call was never answered"),
    logVoicemailLost: say("the voicemail was lost"),
    logTimeout: say("the call hit its 2 h deadline"),
  },
});

/** Waits until the flow has committed `count` transitions (bounded). */
async function settle(count: number): Promise<void> {
  for (let i = 0; i < 400 && transitions.length < count; i++) await sleep(10);
  if (transitions.length < count) throw new Error(`the flow did not reach transition ${count} within 4 s`);
}

let failed = false;
try {
  await runtime.start();
  const flowId = `call-${Date.now()}`;
  step(`Starting flow ${flowId} of machine InboundIvr`);
  await calls.start(flowId, { callerNumber: "+14155550100", dialedNumber: "+18005550199" });
  await settle(1);

  const script: [string, Parameters<typeof calls.send>[1]][] = [
    ["The switch answers", { type: "Answered" }],
    ["Caller presses 2 (español)", { type: "Digit", digit: "2" }],
    ["Caller presses 2 (support)", { type: "Digit", digit: "2" }],
    ["The first agent group does not answer", { type: "BridgeFailed", reason: "no-answer", group: "es-tier1" }],
    ["An agent of the second group picks up", { type: "AgentBridged", agentId: "agent-42", group: "es-tier2", ringSeconds: 7 }],
    ["The agent completes the call", { type: "AgentReleased", wrapUpCodes: ["password-reset", "resolved"] }],
  ];
  for (const [label, event] of script) {
    step(label);
    const before = transitions.length;
    await calls.send(flowId, event); // the ack: the event is durably queued in Redis
    await settle(before + 1);
  }

  const snapshot = await calls.get(flowId);
  step(`Flow ${flowId} is ${snapshot?.status} in state ${snapshot?.state} after ${snapshot?.version} commits`);
  console.log(`  context: ${JSON.stringify(snapshot?.context)}`);

  step("A malformed event is refused before it is queued");
  try {
    await calls.send(flowId, { type: "Digit", digit: "x" } as never);
  } catch (error) {
    console.log(`  ${error instanceof PayloadError || error instanceof FlowClosedError ? error.name : "error"}: ${(error as Error).message}`);
  }
  step("An event for the ended flow is refused");
  try {
    await calls.send(flowId, { type: "Hangup" });
  } catch (error) {
    console.log(`  ${(error as Error).name}: ${(error as Error).message}`);
  }
  if (snapshot?.state !== "Completed") throw new Error(`expected the call to end in Completed, it is in ${snapshot?.state}`);
  console.log("\nDone: the call went through the IVR, failed over to a second agent group and ended.");
} catch (error) {
  failed = true;
  console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await runtime.close();
  await redis.stop();
}
process.exit(failed ? 1 : 0);
