// Spawns runtime worker processes (`worker.ts`) and talks to them over IPC; `stop` ends every one it started.
import { fork, type ChildProcess } from "node:child_process";

import type { RuntimeMetrics } from "../../../runtime/index.js";
import type { CallEvent } from "../fixtures/call.js";
import type { WorkerConfig, WorkerMessage, WorkerRequest } from "./worker-protocol.js";

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class Worker {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(message: WorkerMessage) => void>();
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      this.listeners.add((m) => m.kind === "ready" && resolve());
      child.once("exit", (code, signal) => reject(new Error(`worker exited before ready (code ${code}, signal ${signal})`)));
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: WorkerMessage) => {
      if (message.kind === "reply") {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
      }
      for (const listener of this.listeners) listener(message);
    });
    child.once("exit", () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error("worker exited"));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  on(listener: (message: WorkerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(request: Request): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }

  start(flowId: string, eventId?: string): Promise<unknown> {
    return this.request({ op: "start", flowId, eventId });
  }

  send(flowId: string, event: CallEvent, eventId?: string): Promise<unknown> {
    return this.request({ op: "send", flowId, event, eventId });
  }

  orderStart(flowId: string): Promise<unknown> {
    return this.request({ op: "orderStart", flowId });
  }

  orderSend(flowId: string, type: string): Promise<unknown> {
    return this.request({ op: "orderSend", flowId, event: { type } });
  }

  async metrics(): Promise<RuntimeMetrics> {
    return (await this.request({ op: "metrics" })) as RuntimeMetrics;
  }

  /** Asks the runtime to close and waits for the process to exit; kills it if it does not within 10 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.request({ op: "close" }).catch(() => undefined);
    await this.exited;
    clearTimeout(timer);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export class WorkerPool {
  private readonly workers: Worker[] = [];

  async spawn(config: WorkerConfig): Promise<Worker> {
    const script = new URL("./worker.ts", import.meta.url).pathname;
    const child = fork(script, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, FSMC_WORKER: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const worker = new Worker(child);
    this.workers.push(worker);
    await worker.ready;
    return worker;
  }

  /** Closes every live worker; SIGCONTs stopped ones first so they can exit. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.workers.splice(0).map(async (w) => {
        if (w.child.exitCode === null && w.child.signalCode === null) w.kill("SIGCONT");
        await w.close();
      }),
    );
  }
}
