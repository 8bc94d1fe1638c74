/**
 * A small seeded generator for the property-style specs: the same seed gives the same
 * cases, so a failure can be replayed from the seed in its message.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: tiny, fast and good enough to spread test cases. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, below). */
  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Up to `maxLength` pieces of `alphabet` (single characters or longer fragments). */
  string(alphabet: readonly string[], maxLength: number): string {
    let text = '';
    for (let count = this.int(maxLength + 1); count > 0; count--) text += this.pick(alphabet);
    return text;
  }
}
