// The published packages as their users get them: `npm pack` of fsmc and @fsmc/runtime, installed from the tarballs into
// fresh projects without dev dependencies. The CLI checks and compiles there; a service that installs only the runtime
// and the compiled package runs a flow on a real Redis.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { startRedis, type RedisServer } from "../support/redis.js";
import { repoRoot } from "../support/run-fsmc.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, encoding: "utf8", timeout: 180_000, env: { ...process.env, npm_config_loglevel: "error", ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const work = mkdtempSync(join(tmpdir(), "fsmc-published-"));
let redis: RedisServer | undefined;
test.after(async () => {
  await redis?.stop({ cleanup: true });
  rmSync(work, { recursive: true, force: true });
});

/** Packs the workspace package `workspace` (or the root) into `work`; npm pack is told not to build: the suite built dist/ already. */
async function pack(workspace?: string): Promise<string> {
  const packed = await run(
    "npm",
    ["pack", ...(workspace ? ["--workspace", workspace] : []), "--ignore-scripts", "--pack-destination", work, "--json"],
    repoRoot,
  );
  assert.is(packed.code, 0, packed.stderr);
  const filename = (JSON.parse(packed.stdout) as { filename: string }[])[0]?.filename;
  assert.ok(filename, packed.stdout);
  return join(work, filename);
}

/** A project with these dependencies, installed as a user would: from the registry's cache, without dev dependencies. */
async function project(name: string, dependencies: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module", dependencies }, null, 2));
  const installed = await run("npm", ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], dir);
  assert.is(installed.code, 0, installed.stderr);
  return dir;
}

/** Bytes of every file under `dir`. */
function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}

/** Names of the packages installed under node_modules (scoped ones as @scope/name). */
function packagesIn(dir: string): string[] {
  const modules = join(dir, "node_modules");
  return readdirSync(modules)
    .filter((name) => !name.startsWith("."))
    .flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]));
}

const spec = `/// A door that opens once and closes for good.
machine Door {
  version 1
  deadline 1h -> Shut
  context { opens: int = 0 }
  event Open
  event Close { by: string }
  initial state Closed { on Open -> Opened / countOpen }
  state Opened { on Close -> Shut }
  final state Shut
}
`;

const consumer = `// A service that installed only @fsmc/runtime and the compiled flows.
import { FlowRuntime, FlowRuntimeError } from "@fsmc/runtime";
import { Door } from "@acme/doors";

const runtime = new FlowRuntime({ redis: process.env.REDIS_URL });
const doors = runtime.register(Door, { actions: { countOpen: (ctx) => ({ opens: ctx.opens + 1 }) } });
await runtime.start();
try {
  await doors.start("front", {});
  await doors.send("front", { type: "Open" });
  await doors.send("front", { type: "Close", by: "alice" });
  let snapshot = await doors.get("front");
  for (let i = 0; i < 400 && snapshot?.state !== "Shut"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    snapshot = await doors.get("front");
  }
  const refused = await doors.send("front", { type: "Knock" }).then(() => "sent", (error) => error instanceof FlowRuntimeError ? error.code : String(error));
  console.log(JSON.stringify({ state: snapshot?.state, context: snapshot?.context, refused }));
} finally {
  await runtime.close();
}
`;

test("the packed fsmc checks and compiles, and a runtime-only service runs the compiled flow on Redis", async () => {
  const [fsmcTarball, runtimeTarball] = [await pack(), await pack("runtime")];

  // Someone who installs the CLI (and with it the runtime, which it depends on).
  const cliProject = await project("cli-user", { fsmc: `file:${fsmcTarball}`, "@fsmc/runtime": `file:${runtimeTarball}` });
  const installedCli = packagesIn(cliProject);
  for (const dev of ["tsx", "typescript", "esbuild", "uvu"]) assert.not.ok(installedCli.includes(dev), `${dev} is installed with fsmc`);
  writeFileSync(join(cliProject, "door.fsm"), spec);
  const fsmc = join(cliProject, "node_modules/.bin/fsmc");
  const checked = await run(fsmc, ["check", "door.fsm"], cliProject);
  assert.is(checked.code, 0, checked.stderr);
  assert.is(checked.stdout, "no problems in 1 file\n");
  const bad = await run(fsmc, ["check", "door.fsm", "--format", "nope"], cliProject);
  assert.is(bad.code, 2, "a usage error exits 2");
  const compiled = await run(fsmc, ["compile", "door.fsm", "-o", "doors", "--package", "@acme/doors", "--version", "1.0.0"], cliProject);
  assert.is(compiled.code, 0, compiled.stderr);
  const manifest = JSON.parse(readFileSync(join(cliProject, "doors/package.json"), "utf8")) as {
    peerDependencies?: Record<string, string>;
    dependencies?: unknown;
  };
  assert.equal(manifest.peerDependencies, { "@fsmc/runtime": "^0.1.0" }, "the compiled package asks for the runtime alone");
  assert.is(manifest.dependencies, undefined);
  const loaded = await run(
    process.execPath,
    ["--input-type=module", "-e", 'const m = await import("fsmc/runtime"); console.log(typeof m.FlowRuntime)'],
    cliProject,
  );
  assert.is(loaded.stdout.trim(), "function", `fsmc/runtime still works for those who install fsmc: ${loaded.stderr}`);

  // A service that runs flows: the runtime and the compiled package, nothing of the compiler.
  const service = await project("service", { "@fsmc/runtime": `file:${runtimeTarball}`, "@acme/doors": `file:${join(cliProject, "doors")}` });
  const installed = packagesIn(service);
  for (const heavy of ["fsmc", "ts-morph", "@ts-morph/common", "chevrotain", "yargs", "tsx", "typescript", "esbuild"]) {
    assert.not.ok(installed.includes(heavy), `${heavy} is installed in a runtime-only service`);
  }
  const bytes = sizeOf(join(service, "node_modules"));
  // What README.md reports; a quarter of the 41 MB the whole of fsmc once brought into every service.
  assert.ok(bytes < 10_250_000, `a runtime-only install is ${bytes} bytes`);
  writeFileSync(join(service, "service.js"), consumer);
  redis = await startRedis();
  const ran = await run(process.execPath, ["service.js"], service, { REDIS_URL: redis.url });
  assert.is(ran.code, 0, ran.stderr);
  assert.equal(JSON.parse(ran.stdout), { state: "Shut", context: { opens: 1 }, refused: "EVENT_UNKNOWN" });

  // The operations commands of the packed CLI see that flow.
  const inspected = await run(fsmc, ["flows", "inspect", "Door", "front", "--redis", redis.url, "--json"], cliProject);
  assert.is(inspected.code, 0, inspected.stderr);
  const flow = JSON.parse(inspected.stdout) as { state: string; status: string };
  assert.is(flow.state, "Shut");
});

test("fsmc and @fsmc/runtime are released together: one version, and fsmc's range takes it", () => {
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
  const runtime = JSON.parse(readFileSync(join(repoRoot, "runtime/package.json"), "utf8")) as { version: string };
  assert.is(runtime.version, root.version);
  assert.is(root.dependencies["@fsmc/runtime"], `^${root.version}`);
});

test.run();
