/** One request's result inside a batch. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions<Req> {
  /** Batches running at once; more requests wait and join the next batch. */
  maxInFlight: number;
  /** Requests per batch. */
  maxItems: number;
  /** Optional size cap (e.g. bytes); a single request larger than it still goes, alone. */
  maxWeight?: number;
  weigh?: (request: Req) => number;
  /**
   * When a free slot sends what is queued: at the end of the current tick (the default),
   * or after the I/O callbacks already due in this turn of the event loop (`setImmediate`),
   * so that the messages of requests that arrived together share a batch.
   */
  flushAfter?: 'tick' | 'io';
}

/**
 * Micro-batching without added delay: a request goes out at once (at the end of the
 * current tick, so that requests made in the same tick share a batch, or with `flushAfter:
 * 'io'` after the I/O callbacks already due) when a batch slot is free; while every slot
 * is busy, requests queue and leave together as soon as one frees. So batches form by
 * themselves under load and an idle system sees no waiting.
 */
export class Batcher<Req, Res> {
  private readonly queue: Array<{ request: Req; resolve: (value: Res) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private flushScheduled = false;

  constructor(
    private readonly run: (requests: Req[]) => Promise<Array<Settled<Res>>>,
    private readonly options: BatcherOptions<Req>,
  ) {}

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Requests waiting for a batch slot (not those in flight). */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): number {
    return this.inFlight;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight >= this.options.maxInFlight) return;
    this.flushScheduled = true;
    const flush = () => {
      this.flushScheduled = false;
      this.flush();
    };
    if (this.options.flushAfter === 'io') setImmediate(flush);
    else queueMicrotask(flush);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.scheduleFlush();
      });
    }
  }

  private take(): typeof this.queue {
    const { maxItems, maxWeight, weigh } = this.options;
    let count = 0;
    let weight = 0;
    while (count < this.queue.length && count < maxItems) {
      const next = maxWeight !== undefined && weigh ? weigh(this.queue[count].request) : 0;
      if (count > 0 && maxWeight !== undefined && weight + next > maxWeight) break;
      weight += next;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async execute(batch: typeof this.queue): Promise<void> {
    let results: Array<Settled<Res>>;
    try {
      results = await this.run(batch.map((entry) => entry.request));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const result = results[i];
      if (!result) entry.reject(new Error('batch answered fewer results than requests'));
      else if (result.ok) entry.resolve(result.value);
      else entry.reject(result.error);
    });
  }
}
