import { Ids } from '../../src/common/ids';

/**
 * A small seeded generator (sfc32): every random choice of a simulated history comes from
 * it, so a seed replays the same history exactly.
 */
export class Prng implements Ids {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next32();
  }

  private next32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  random(): number {
    return this.next32() / 2 ** 32;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.random() * (maxInclusive - min + 1));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.next32().toString(16).padStart(8, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** An independent generator derived from this one (so adding draws in one place does not shift another). */
  fork(): Prng {
    return new Prng(this.next32());
  }
}
