/**
 * Time as the protocol sees it. Production code uses the system clock; the deterministic
 * simulation (test/sim) gives every replica a virtual one, so that a history replays
 * exactly from its seed, whatever the machine's speed.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` after `ms`; the returned function cancels it. Never keeps the process alive. */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, Math.max(0, ms));
    }),
  schedule: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Rejects with `onTimeout()` unless `work` settles within `ms` (measured on `clock`). */
export function withDeadline<T>(clock: Clock, work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const cancel = clock.schedule(ms, () => {
      if (done) return;
      done = true;
      reject(onTimeout());
    });
    work.then(
      (value) => {
        if (done) return;
        done = true;
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        cancel();
        reject(error);
      },
    );
  });
}
