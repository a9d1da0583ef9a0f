// Gathers the per-flow steps a process issues in the same tick into one script call, and hands each caller its own part of the reply.
/**
 * Why: with many flows active, the cost of an event is mostly per call, not per flow — a client
 * command object, its promise and timer, and Redis's own per-script overhead. The senders and
 * drains woken by one batch of replies all issue their next step in the same tick, so one call can
 * carry them all. Nothing waits for a batch to fill: the call goes out once the current tick's
 * work is done (before the client's own auto-pipeline flush), so a lone event is not delayed.
 */
interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface ScriptBatchOptions<Item, Result> {
  /** Most items in one call; 1 sends every item alone, at once. */
  maxItems: number;
  /** Sends one call for `items`; resolves with one reply per item, in order. */
  call: (items: readonly Item[]) => Promise<readonly unknown[]>;
  /** One item's reply; throws to fail that item alone. */
  parse: (reply: unknown, item: Item) => Result;
}

export class ScriptBatch<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private scheduled = false;
  private readonly flushScheduled = () => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly options: ScriptBatchOptions<Item, Result>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) throw new RangeError(`maxItems must be a positive integer, got ${options.maxItems}`);
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.options.maxItems) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.flushScheduled);
      }
    });
  }

  private flush(): void {
    const { maxItems } = this.options;
    while (this.waiting.length > 0) {
      const batch = this.waiting.length <= maxItems ? this.waiting : this.waiting.slice(0, maxItems);
      this.waiting = batch === this.waiting ? [] : this.waiting.slice(maxItems);
      this.send(batch);
    }
  }

  private send(batch: readonly Waiting<Item, Result>[]): void {
    let call: Promise<readonly unknown[]>;
    try {
      call = this.options.call(batch.map((waiting) => waiting.item));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    call.then(
      (replies) => {
        for (let i = 0; i < batch.length; i++) {
          const waiting = batch[i]!;
          let result: Result;
          try {
            result = this.options.parse(replies[i], waiting.item);
          } catch (error) {
            waiting.reject(error);
            continue;
          }
          waiting.resolve(result);
        }
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }
}
