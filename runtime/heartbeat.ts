// Keeps the locks of long drains alive with one timer per runtime, rather than a timer per drain.
import type { Lease } from "./lease.js";

/** One drain's lease while it is being kept alive. */
export interface Beat {
  readonly lease: Lease;
  dueAt: number;
  extending: boolean;
  lost: boolean;
  /**
   * While a handler runs: when its time limit ends (ms, this process's clock); 0 otherwise. The lock
   * is never extended past it: a handler that outlives its limit (its time-out could not fire, the
   * event loop being blocked) lets the lock lapse, and the flow is taken over.
   */
  limitAt: number;
}

export class Heartbeats {
  private readonly beats = new Set<Beat>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * Extends each lease every `everyMs` (a third of the lock TTL) while its drain runs. The timer
   * ticks four times as often, so an extension is at most a quarter period late: well within the TTL.
   * Most drains end long before their first extension is due and never cause a round trip.
   */
  constructor(
    private readonly everyMs: number,
    private readonly onLost: () => void,
  ) {}

  add(lease: Lease): Beat {
    const beat: Beat = { lease, dueAt: Date.now() + this.everyMs, extending: false, lost: false, limitAt: 0 };
    this.beats.add(beat);
    if (!this.timer) {
      // Started once and kept: drains come and go far more often than it ticks.
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(this.everyMs / 4)));
      this.timer.unref();
    }
    return beat;
  }

  remove(beat: Beat): void {
    this.beats.delete(beat);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    for (const beat of this.beats) {
      if (beat.lost || beat.extending || now < beat.dueAt || (beat.limitAt !== 0 && now > beat.limitAt)) continue;
      beat.extending = true;
      // Once the lock is found taken over, beating on is pointless; a failed round trip is simply tried again.
      beat.lease.extend().then(
        (held) => {
          beat.extending = false;
          beat.dueAt = Date.now() + this.everyMs;
          if (held) return;
          beat.lost = true;
          this.onLost();
        },
        () => {
          beat.extending = false;
        },
      );
    }
  }
}
