// Opens a MONITOR connection that can never crash a test run with the stray lines around its start and end.
import { Redis } from "ioredis";

/**
 * `redis.monitor()` attaches its error listener only once monitoring is confirmed: a monitor line
 * that arrives in the same read as MONITOR's own reply matches no command, and ioredis emits it as
 * an error ("Command queue state error") with nobody listening, which ends the process. Lines still
 * arriving after disconnect() do the same. Here the listener is there before the connection opens.
 */
export async function openMonitor(url: string): Promise<Redis> {
  const monitor = new Redis(url, { monitor: true, lazyConnect: true });
  monitor.on("error", () => {});
  const monitoring = new Promise<void>((resolve) => monitor.once("monitoring", () => resolve()));
  await monitor.connect();
  await monitoring;
  return monitor;
}
