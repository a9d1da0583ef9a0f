// Consistency `replicated`: an ack waits until WAIT confirms the replicas have its write, and the acks that arrive while a WAIT is in flight share the next one.
import { asRedisError, type Connection } from "./connection.js";
import { ReplicationError } from "./errors.js";

const noop = () => undefined;

export class ReplicationWaits {
  /** The WAIT in flight on the connection, and the one that acks arriving meanwhile share. */
  private inFlight: Promise<number> | undefined;
  private queued: Promise<number> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly replicas: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Resolves once the replicas confirmed every write this connection made before the call;
   * ReplicationError when fewer than `replicas` did within the timeout.
   */
  async confirm(): Promise<void> {
    let confirmed: number;
    try {
      confirmed = await this.next();
    } catch (error) {
      throw asRedisError(this.connection, error);
    }
    if (confirmed < this.replicas) throw new ReplicationError(this.replicas, confirmed, this.timeoutMs);
  }

  /**
   * One WAIT answers every ack that joined it. A WAIT covers every write this connection made
   * before it, so an ack whose enqueue has replied may join any WAIT sent from now on, never one
   * already in flight. A blocked WAIT also holds up the commands pipelined behind it on this
   * connection, so at most one is in flight and one queued, however many acks wait.
   */
  private next(): Promise<number> {
    if (!this.inFlight) return this.send();
    this.queued ??= this.inFlight.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.send();
    });
    return this.queued;
  }

  private send(): Promise<number> {
    const wait = this.connection.redis.wait(this.replicas, this.timeoutMs).then(Number);
    this.inFlight = wait;
    const done = () => {
      if (this.inFlight === wait) this.inFlight = undefined;
    };
    wait.then(done, done);
    return wait;
  }
}
