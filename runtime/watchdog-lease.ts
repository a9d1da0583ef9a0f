// The watchdog leadership lease: one process of a deployment at a time exports the gauges of the watchdog's scans.
import type { FlowRedis } from "./connection.js";
import type { KeySpace } from "./keys.js";

/*
 * Every started runtime scans (watchdog.ts), but the gauges a scan yields describe the whole
 * deployment: exported by every process, a sum over processes would count each stuck flow once per
 * process. So only the holder of this lease exports them. It is a key holding the holder's token,
 * taken with SET NX PX and renewed (PEXPIRE while it still holds the token) every watchdog interval;
 * its TTL is three intervals, so a holder that misses one renewal keeps it, and one that died is
 * replaced within three intervals (at once when it closes: it deletes the key then).
 */

/** Renews the lease when `ARGV[1]` holds it, else takes it when nobody does. 1: held by `ARGV[1]` for `ARGV[2]` ms. */
const TAKE_OR_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Deletes the key only while `ARGV[1]` holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class WatchdogLease {
  readonly key: string;
  private readonly ttlMs: number;
  /** This process's clock: until when the last renewal that succeeded makes this process the holder. */
  private heldUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly redis: FlowRedis,
    keys: KeySpace,
    private readonly token: string,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.key = keys.key("fsm:watchdog:leader");
    this.ttlMs = 3 * intervalMs;
  }

  /** True while this process holds the lease by its own clock (counted from before the renewal was sent). */
  held(): boolean {
    return this.heldUntil > Date.now();
  }

  /** Takes or renews the lease now, then every interval. */
  start(): void {
    this.renew();
    this.timer = setInterval(() => this.renew(), this.intervalMs);
    this.timer.unref();
  }

  private renew(): void {
    if (this.renewing) return;
    const sentAt = Date.now();
    this.renewing = (this.redis.eval(TAKE_OR_RENEW, 1, this.key, this.token, this.ttlMs) as Promise<number>)
      .then(
        (held) => {
          // A lease that ran out meanwhile is not taken back by an answer that came late.
          this.heldUntil = held === 1 ? sentAt + this.ttlMs : 0;
        },
        (error: unknown) => {
          // Unknown whether it is still held: stop exporting rather than risk two exporters.
          this.heldUntil = 0;
          this.onError(error);
        },
      )
      .finally(() => (this.renewing = undefined));
  }

  /** Stops renewing and gives the lease up, so another process takes it at its next renewal. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    const held = this.heldUntil > 0;
    this.heldUntil = 0;
    if (held) await (this.redis.eval(RELEASE, 1, this.key, this.token) as Promise<number>).catch(() => 0);
  }
}
