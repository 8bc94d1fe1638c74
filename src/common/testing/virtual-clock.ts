import { Clock } from '../clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Lets every promise chain that is ready run to its end: a few turns of the event loop,
 * each of which drains the microtask queue. Fakes in these tests never do real I/O, so
 * that is enough for an in-memory round trip to finish.
 */
export async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock for unit tests: time moves only when the test says so, and timers fire in time
 * order (ties in the order they were set), with every ready promise chain run between two
 * timers. So a test can say "at 14 ms nothing was asked yet, at 15 ms it was".
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.schedule(ms, resolve);
    });
  }

  schedule(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers still to fire. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > target) break;
      this.fire(next);
    }
    this.current = Math.max(this.current, target);
    await settle();
  }

  /**
   * Moves time from timer to timer until `promise` settles; fails when nothing is left to
   * fire (the promise waits on something that will never happen) or after `limitMs`.
   */
  async run<T>(promise: Promise<T>, limitMs = 60_000): Promise<T> {
    let done = false;
    const observed = promise.then(
      (value) => {
        done = true;
        return value;
      },
      (error: unknown) => {
        done = true;
        throw error;
      },
    );
    observed.catch(() => undefined);
    const limit = this.current + limitMs;
    for (;;) {
      await settle();
      if (done) return observed;
      const next = this.nextTimer();
      if (!next) throw new Error('VirtualClock.run: the promise waits, but no timer is left to fire');
      if (next.at > limit) throw new Error(`VirtualClock.run: not settled within ${limitMs} ms of virtual time`);
      this.fire(next);
    }
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    this.current = Math.max(this.current, timer.at);
    timer.fn();
  }
}
