import { randomBytes } from 'node:crypto';
import { combine } from 'shamir-secret-sharing';
import { combineShares } from './combine';
import { ShamirError } from './errors';
import { MAX_SECRET_BYTES, paddedLength } from './padding';
import { shareX } from './shares';
import { splitSecret } from './split';
import { shutdownShamirWorkers } from './split-pool';

const valueOf = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
/** Jest's `toEqual` walks a typed array element by element: far too slow for 64 KiB. */
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** Every way of picking `k` items of `items`, in order. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

/** The shares of `a` and `b` mixed into a set of `k` with distinct x-coordinates. */
function mixed(a: Uint8Array[], b: Uint8Array[], k: number): Uint8Array[] {
  const set = a.slice(0, k - 1);
  const other = b.find((share) => set.every((s) => shareX(s) !== shareX(share)));
  if (!other) throw new Error('no share of the second split has a free x-coordinate');
  return [...set, other];
}

afterAll(() => shutdownShamirWorkers());

describe('splitSecret and combineShares', () => {
  const sizes: [string, number][] = [
    ['empty', 0],
    ['small', 11],
    ['1 KiB + 1', 1025],
    ['64 KiB', MAX_SECRET_BYTES],
  ];
  const schemes: [number, number][] = [
    [5, 3],
    [3, 2],
    [5, 5],
  ];

  describe.each(sizes)('a %s value', (_label, length) => {
    it.each(schemes)('splits into %i shares of which any %i combine to it', async (n, k) => {
      const value = valueOf(length);
      const shares = await splitSecret(value, n, k);

      expect(shares).toHaveLength(n);
      for (const share of shares) {
        expect(share.constructor).toBe(Uint8Array);
        expect(share.length).toBe(paddedLength(length) + 1);
      }
      const xs = shares.map(shareX);
      expect(new Set(xs).size).toBe(n);
      expect(xs).not.toContain(0);

      // Under Jest a 64 KiB combine takes most of a second (see split-worker.spec.ts), so the
      // largest value tries two subsets; the smaller ones try every subset and all n.
      const tried = length === MAX_SECRET_BYTES ? [shares.slice(0, k), shares.slice(-k)] : [...subsets(shares, k), shares];
      for (const subset of tried) {
        expect(bytesEqual(await combineShares(subset), value)).toBe(true);
      }
    });
  });

  it('combines shares handed over as Buffers (a base64 decode, a bytea column)', async () => {
    const value = valueOf(40);
    const shares = await splitSecret(value, 5, 3);
    expect(bytesEqual(await combineShares(shares.slice(1, 4).map((s) => Buffer.from(s))), value)).toBe(true);
  });

  it('leaves the caller’s value untouched', async () => {
    const value = valueOf(2000);
    const before = Uint8Array.from(value);
    await splitSecret(value, 3, 2);
    expect(bytesEqual(value, before)).toBe(true);
  });

  it('does not recover the value from shares of two splits of it: only split ids keep them apart', async () => {
    const value = valueOf(100);
    const first = await splitSecret(value, 5, 3);
    const second = await splitSecret(value, 5, 3);
    const set = mixed(first, second, 3);

    // The library itself combines them without complaint into other bytes...
    const wrong = await combine(set);
    expect(bytesEqual(wrong, await combine(first.slice(0, 3)))).toBe(false);
    // ...which our length prefix check almost always catches, but never the value.
    await expect(combineShares(set)).rejects.toThrow(ShamirError);
  });

  it('does not recover the value from fewer than k shares', async () => {
    const value = valueOf(100);
    const shares = await splitSecret(value, 5, 3);
    expect(bytesEqual(await combine(shares.slice(0, 2)), await combine(shares.slice(0, 3)))).toBe(false);
    await expect(combineShares(shares.slice(0, 2))).rejects.toThrow(ShamirError);
  });

  it.each([
    [5, 1],
    [2, 3],
    [256, 3],
    [5, 2.5],
  ])('refuses n = %p, k = %p', async (n, k) => {
    await expect(splitSecret(valueOf(10), n, k)).rejects.toThrow(ShamirError);
  });

  it('refuses a value over the maximum', async () => {
    await expect(splitSecret(new Uint8Array(MAX_SECRET_BYTES + 1), 5, 3)).rejects.toThrow(ShamirError);
  });
});
