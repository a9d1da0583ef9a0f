// Runs the `fsmc` command as a subprocess, the way a user or CI does, and captures what it prints.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${repoRoot}bin/fsmc.js`;

export interface FsmcRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/fsmc.js ...args` in `cwd` (the repository root by default). */
export function runFsmc(args: readonly string[], cwd: string = repoRoot): Promise<FsmcRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stack trace frame as Node prints it; the CLI must never show one. */
export const stackFrame = /^\s{4}at /m;

/** Wraps async jobs so that at most `limit` run at once (the machine has few cores; each CLI start is costly). */
export function concurrencyLimit(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  return <T>(job: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        job().then(resolve, reject).finally(release);
      };
      if (active < limit) start();
      else waiting.push(start);
    });
}
