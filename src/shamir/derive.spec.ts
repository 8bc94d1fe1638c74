import { randomBytes } from 'node:crypto';
import { combineShares } from './combine';
import { deriveShare } from './derive';
import { ShamirError } from './errors';
import { shareX } from './shares';
import { splitSecret } from './split';
import { shutdownShamirWorkers } from './split-pool';

const valueOf = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
/** Jest's `toEqual` walks a typed array element by element: far too slow for 64 KiB. */
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** An x-coordinate that no share in `shares` has. */
function freeX(shares: Uint8Array[]): number {
  const used = new Set(shares.map(shareX));
  let x = 1;
  while (used.has(x)) x++;
  return x;
}

afterAll(() => shutdownShamirWorkers());

describe.each([
  [5, 3, 30],
  [3, 2, 30],
  [5, 5, 30],
  [5, 3, 5000],
  [3, 2, 5000],
  [5, 5, 5000],
])('deriveShare with n = %i, k = %i and a %i-byte value', (n, k, length) => {
  let value: Uint8Array;
  let shares: Uint8Array[];
  /** A share of the same split at an x no replica holds: with n = k, no k "others" exist. */
  let extra: Uint8Array;

  beforeAll(async () => {
    value = valueOf(length);
    shares = await splitSecret(value, n, k);
    extra = await deriveShare(shares.slice(0, k), freeX(shares));
  });

  /** k shares of the split other than share `lost`, starting from the end if `fromEnd`. */
  function basisWithout(lost: number, fromEnd = false): Uint8Array[] {
    const others = [...shares.filter((_, i) => i !== lost), extra];
    return fromEnd ? others.slice(-k) : others.slice(0, k);
  }

  // With n = k a share has only k-1 others, so this case exists only for n > k; the next
  // test covers n = k with a derived share in the basis.
  if (n > k) it('re-creates every share, byte for byte, from k other original shares', async () => {
    for (let lost = 0; lost < n; lost++) {
      const originals = shares.filter((_, i) => i !== lost);
      // Two different bases, to show the result does not depend on which k are used.
      expect(bytesEqual(await deriveShare(originals.slice(0, k), shareX(shares[lost])), shares[lost])).toBe(true);
      expect(bytesEqual(await deriveShare(originals.slice(-k), shareX(shares[lost])), shares[lost])).toBe(true);
    }
  });

  it('re-creates every share, byte for byte, from bases that include a derived share', async () => {
    expect(shareX(extra)).toBe(freeX(shares));
    expect(bytesEqual(await combineShares([extra, ...shares.slice(0, k - 1)]), value)).toBe(true);
    for (let lost = 0; lost < n; lost++) {
      expect(bytesEqual(await deriveShare(basisWithout(lost, true), shareX(shares[lost])), shares[lost])).toBe(true);
    }
  });

  it('gives a share that combines with k-1 original shares into the value', async () => {
    for (let lost = 0; lost < n; lost++) {
      const derived = await deriveShare(basisWithout(lost), shareX(shares[lost]));
      const originals = shares.filter((_, i) => i !== lost).slice(0, k - 1);
      expect(bytesEqual(await combineShares([derived, ...originals]), value)).toBe(true);
    }
  });

  it('does not re-create the share from fewer than k shares', async () => {
    const tooFew = shares.slice(1, k);
    if (tooFew.length < 2) {
      await expect(deriveShare(tooFew, shareX(shares[0]))).rejects.toThrow(ShamirError);
    } else {
      expect(bytesEqual(await deriveShare(tooFew, shareX(shares[0])), shares[0])).toBe(false);
    }
  });

  it('does not re-create the share from shares of another split of the same value', async () => {
    const other = await splitSecret(value, n, k);
    const x = shareX(shares[0]);
    const own = shares.slice(1, k);
    const taken = new Set([x, ...own.map(shareX)]);
    const foreign = other.find((s) => !taken.has(shareX(s)));
    if (!foreign) throw new Error('no share of the second split has a free x-coordinate');
    const basis = [...own, foreign];
    expect(bytesEqual(await deriveShare(basis, x), shares[0])).toBe(false);
  });
});

describe('deriveShare arguments', () => {
  let shares: Uint8Array[];

  beforeAll(async () => {
    shares = await splitSecret(valueOf(16), 5, 3);
  });

  it.each([0, 256, 1.5, -1])('rejects the x-coordinate %p', async (x) => {
    await expect(deriveShare(shares.slice(0, 3), x)).rejects.toThrow(ShamirError);
  });

  it('rejects a basis that already holds a share at that x', async () => {
    await expect(deriveShare(shares.slice(0, 3), shareX(shares[0]))).rejects.toThrow(ShamirError);
  });

  it('accepts Buffers as the basis', async () => {
    const basis = shares.slice(1, 4).map((s) => Buffer.from(s));
    expect(bytesEqual(await deriveShare(basis, shareX(shares[0])), shares[0])).toBe(true);
  });
});
