import { Clock } from '../../src/common/clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for a simulated cluster. Every timer of every replica, every message
 * delivery and every client step is an event here; between two events all promise
 * continuations run to completion (the microtask queue drains before the next event), so
 * a history depends on its seed only, never on the machine's speed.
 */
export class EventLoop {
  /** Virtual time starts at a realistic epoch (1 Nov 2023), as the replicas' rules about ages expect. */
  now = 1_698_796_800_000;
  private seq = 0;
  private readonly heap: Timer[] = [];
  events = 0;

  schedule(delayMs: number, fn: () => void): () => void {
    const timer: Timer = { at: this.now + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Runs events until `until` (virtual ms) or until `done()` holds between two events. */
  async run(until: number, done: () => boolean = () => false): Promise<void> {
    while (this.heap.length > 0 && !done()) {
      const next = this.heap[0];
      if (next.at > until) break;
      this.pop();
      if (next.cancelled) continue;
      this.now = next.at;
      this.events++;
      next.fn();
      await drain();
    }
    if (this.now < until && !done()) this.now = until;
  }

  /** A clock for one replica incarnation: its timers die with it; its time may be skewed. */
  clock(alive: () => boolean, skewMs = 0): Clock {
    return {
      now: () => this.now + skewMs,
      sleep: (ms) => new Promise<void>((resolve) => this.schedule(ms, () => (alive() ? resolve() : undefined))),
      schedule: (ms, fn) => this.schedule(ms, () => (alive() ? fn() : undefined)),
    };
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(heap[parent], heap[i])) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l], heap[smallest])) smallest = l;
      if (r < heap.length && before(heap[r], heap[smallest])) smallest = r;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
      i = smallest;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every pending promise continuation run. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
