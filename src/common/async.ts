import { Clock, systemClock } from './clock';

/**
 * Runs `task` every `intervalMs` until stopped, never overlapping itself. Errors are handed
 * to `onError` and the loop goes on: background repair work must outlive a bad round.
 */
export class BackgroundLoop {
  private cancelTimer: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  start(runNow = true): void {
    this.stopped = false;
    this.schedule(runNow ? 0 : this.intervalMs);
  }

  /** Runs the task now (waiting for a running round first). */
  async kick(): Promise<void> {
    if (this.running) await this.running;
    await this.runOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.running) await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.cancelTimer = this.clock.schedule(delay, () => {
      void this.runOnce().finally(() => this.schedule(this.intervalMs));
    });
  }

  private async runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.task()
      .catch((error) => this.onError(error))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}

/** Maps over `items` with at most `limit` calls in flight, keeping the order of results. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
