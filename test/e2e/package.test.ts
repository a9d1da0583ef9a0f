// `fsmc compile --package`: the package packs with npm, installs into a fresh project and type-checks a consumer there.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { repoRoot, runFsmc } from "../support/run-fsmc.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, npm_config_loglevel: "error" } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), "fsmc-package-"));
const packageDir = join(work, "call-flows");
const consumerDir = join(work, "consumer");
test.after(() => rmSync(work, { recursive: true, force: true }));

const consumerSource = `// A project that installed the generated package and implements its handlers.
import { InboundCall, type InboundCallEvent, type InboundCallHandlers } from "@acme/call-flows";
import { InboundCall as FromModule } from "@acme/call-flows/inbound-call";
import type { MachineDefinition, StateOf } from "@fsmc/runtime";

const definition: MachineDefinition = FromModule;
export const states: StateOf<typeof InboundCall>[] = [InboundCall.initial, definition.initial === "Ringing" ? "Ringing" : "Ended"];

export const handlers: InboundCallHandlers = {
  guards: {
    hasOtherAgents: (_ctx, event) => event.reason.length > 0,
    isMenuChoice: (_ctx, event) => event.digit !== "#",
    tooManyAttempts: (ctx) => ctx.attempts > 2,
  },
  actions: {
    bridgeToAgent: () => undefined,
    countAttempt: (ctx) => ({ attempts: ctx.attempts + 1 }),
    logTimeout: (_ctx, event) => void event.ms,
    playGoodbye: () => undefined,
    playGreeting: () => undefined,
    playRetry: () => undefined,
    recordHangup: (_ctx, event) => ({ agent: event.cause ?? "none" }),
    releaseResources: () => undefined,
    stopRecording: () => undefined,
    storeAgent: (_ctx, event) => ({ agent: event.agent }),
    storeDigit: (_ctx, event) => ({ digits: event.digit }),
  },
};

// @ts-expect-error the installed types are exact: "x" is not a key of the IVR
export const wrong: InboundCallEvent = { type: "Digit", digit: "x" };
// @ts-expect-error the definition's state type comes through @fsmc/runtime's MachineDefinition, not as any
export const notAState: "Nowhere" = InboundCall.initial;
`;

test("a package compiled with --package packs, installs beside @fsmc/runtime and type-checks its consumer", async () => {
  const compiled = await runFsmc(["compile", "test/fixtures/emit/inbound-call.fsm", "-o", packageDir, "--package", "@acme/call-flows", "--version", "1.2.3"]);
  assert.is(compiled.code, 0, compiled.stderr);
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<string, unknown>;
  assert.is(manifest["type"], "module");
  assert.is(manifest["version"], "1.2.3");
  assert.equal(manifest["peerDependencies"], { "@fsmc/runtime": "^0.1.0" }, "the runtime, alone, is its peer dependency");
  for (const file of ["index.js", "index.d.ts", "inbound-call.js", "inbound-call.d.ts", "README.md"]) assert.ok(readdirSync(packageDir).includes(file), file);
  assert.match(readFileSync(join(packageDir, "README.md"), "utf8"), /```mermaid\nstateDiagram-v2\n/);

  const packed = await run("npm", ["pack", "--pack-destination", work, "--json"], packageDir);
  assert.is(packed.code, 0, packed.stderr);
  const tarball = (JSON.parse(packed.stdout) as { filename: string }[])[0]?.filename ?? "";
  assert.match(tarball, /^acme-call-flows-1\.2\.3\.tgz$/);

  mkdirSync(consumerDir);
  writeFileSync(
    join(consumerDir, "package.json"),
    JSON.stringify(
      {
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { "@acme/call-flows": `file:${join(work, tarball)}`, "@fsmc/runtime": `file:${join(repoRoot, "runtime")}` },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(consumerDir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] },
        include: ["consumer.ts"],
      },
      null,
      2,
    ),
  );
  writeFileSync(join(consumerDir, "consumer.ts"), consumerSource);
  const installed = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumerDir);
  assert.is(installed.code, 0, installed.stderr);

  const typecheck = await run(join(repoRoot, "node_modules/.bin/tsc"), ["-p", consumerDir, "--pretty", "false"], consumerDir);
  assert.is(typecheck.stdout + typecheck.stderr, "");
  assert.is(typecheck.code, 0);

  const loaded = await run(
    process.execPath,
    ["--input-type=module", "-e", 'const m = await import("@acme/call-flows"); console.log(m.InboundCall.name, m.InboundCall.states.Greeting.timers[0].id)'],
    consumerDir,
  );
  assert.is(loaded.stdout.trim(), "InboundCall Greeting/10s", loaded.stderr);
});

test.run();
