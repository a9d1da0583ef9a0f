// `npm start` (the README's main command) compiles specs/ and runs the inbound call demo to its end.
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = new URL("../..", import.meta.url).pathname;

function runDemo(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts"], { cwd: root, encoding: "utf8", env, timeout: 120_000 });
}

test("the demo call goes through the IVR, fails over and ends in Completed on a throwaway redis-server", () => {
  const env = { ...process.env };
  delete env.REDIS_URL;
  const result = runDemo(env);
  assert.is(result.status, 0, `demo failed:\n${result.stdout}\n${result.stderr}`);
  for (const line of [
    "Incoming --Answered--> ChoosingLanguage",
    "RoutingToAgent --BridgeFailed--> RoutingToAgent",
    "Connected --AgentReleased--> Completed",
    "PayloadError: event Digit: field 'digit'",
    "FlowClosedError",
  ]) {
    assert.ok(result.stdout.includes(line), `missing '${line}' in:\n${result.stdout}`);
  }
});

test("the demo names the address when REDIS_URL points at no Redis, without a stack trace", () => {
  const result = runDemo({ ...process.env, REDIS_URL: "redis://127.0.0.1:1" });
  assert.is(result.status, 1);
  assert.match(result.stderr, "REDIS_URL is redis://127.0.0.1:1 but no Redis answers there");
  assert.not.match(result.stderr, /\n\s+at /);
});

test.run();
