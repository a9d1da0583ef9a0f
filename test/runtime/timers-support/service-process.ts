// A child process running one TimerService against a test's Redis, recording each delivery in Redis so the parent can count them.
// argv: <redis url> <record|hold> <leaseMs> [pollMs] [shards]. "hold" never finishes a delivery (it reports what it claimed on stdout), so a SIGKILL leaves timers claimed.
import { Redis } from "ioredis";
import { TimerService, TimerStore, type DueTimer } from "../../../runtime/timers/index.js";

const [url, mode, leaseMs, pollMs, shards] = process.argv.slice(2);
if (!url || (mode !== "record" && mode !== "hold")) throw new Error("usage: service-process <redis url> <record|hold> <leaseMs> [pollMs] [shards]");

const redis = new Redis(url);
const recorder = new Redis(url);
// Timer shards are per machine: these are the machines the multi-process tests arm timers for.
const store = new TimerStore(redis, { machines: ["M", "Bulk", "Burst"], ...(shards ? { shards: Number(shards) } : {}) });

async function record(timer: DueTimer): Promise<void> {
  await recorder.hincrby("test:deliveries", timer.member, 1);
}

async function hold(timer: DueTimer): Promise<void> {
  process.stdout.write(`claimed ${timer.member}\n`);
  await new Promise(() => {});
}

const service = new TimerService(redis, store, mode === "record" ? record : hold, {
  leaseMs: Number(leaseMs),
  pollMs: Number(pollMs ?? 20),
});
service.start();
process.stdout.write("ready\n");

process.on("SIGTERM", async () => {
  await service.stop();
  process.stdout.write(`stats ${JSON.stringify(service.stats)}\n`);
  redis.disconnect();
  recorder.disconnect();
  process.exit(0);
});
