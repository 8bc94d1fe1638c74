import { createHash } from 'node:crypto';
import { ShamirError } from './errors';
import { assertShareSet, plainCopy, shareDigest, shareX } from './shares';

const share = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

describe('shares', () => {
  it('reads the x-coordinate from the last byte', () => {
    expect(shareX(share(9, 8, 7, 42))).toBe(42);
    expect(() => shareX(share(1))).toThrow(ShamirError);
  });

  it('digests the share bytes with sha256, stably', () => {
    const bytes = share(1, 2, 3, 4, 5);
    const expected = createHash('sha256').update(Buffer.from([1, 2, 3, 4, 5])).digest('hex');
    expect(shareDigest(bytes)).toBe(expected);
    expect(shareDigest(share(1, 2, 3, 4, 5))).toBe(expected);
    expect(shareDigest(Buffer.from(bytes))).toBe(expected);
  });

  it.each([0, 2, 4])('changes the digest when byte %i changes', (index) => {
    const bytes = share(1, 2, 3, 4, 5);
    const changed = Uint8Array.from(bytes);
    changed[index] ^= 1;
    expect(shareDigest(changed)).not.toBe(shareDigest(bytes));
  });

  it('copies a Buffer into a plain Uint8Array the library accepts', () => {
    const buffer = Buffer.from([1, 2, 3]);
    const copy = plainCopy(buffer);
    expect(copy.constructor).toBe(Uint8Array);
    expect(copy).toEqual(Uint8Array.from([1, 2, 3]));
    buffer[0] = 9;
    expect(copy[0]).toBe(1);
  });

  it.each([
    ['one share', [share(1, 2)]],
    ['shares of different lengths', [share(1, 2), share(1, 2, 3)]],
    ['a repeated x-coordinate', [share(1, 2), share(3, 2)]],
    ['the x-coordinate 0', [share(1, 0), share(3, 2)]],
  ])('rejects a share set with %s', (_case, shares) => {
    expect(() => assertShareSet(shares)).toThrow(ShamirError);
  });
});
