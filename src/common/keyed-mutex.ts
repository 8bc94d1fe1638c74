import { Clock, systemClock } from './clock';

/**
 * In-process locks by key, taken in sorted order (so two holders of several keys never
 * deadlock) and given up at a deadline. Used to queue a replica's own writes to one name
 * before they reach the cluster-wide two-phase locks, so that contention between
 * replicas is between a few coordinators, not between every concurrent request.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding every key, or returns null if the keys could not be had by `deadline`. */
  async runExclusive<T>(keys: string[], deadline: number, fn: () => Promise<T>, clock: Clock = systemClock): Promise<{ value: T } | null> {
    const releases: Array<() => void> = [];
    try {
      for (const key of [...new Set(keys)].sort()) {
        const release = await this.acquire(key, deadline, clock);
        if (!release) return null;
        releases.push(release);
      }
      return { value: await fn() };
    } finally {
      releases.reverse().forEach((release) => release());
    }
  }

  private async acquire(key: string, deadline: number, clock: Clock): Promise<(() => void) | null> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    const done = () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    let cancel = () => {};
    const timedOut = await Promise.race([
      previous.then(() => false),
      new Promise<boolean>((resolve) => (cancel = clock.schedule(Math.max(0, deadline - clock.now()), () => resolve(true)))),
    ]);
    cancel();
    if (timedOut) {
      // Our turn may still come: pass it straight on to whoever queued behind us.
      void previous.then(done);
      return null;
    }
    return done;
  }
}
