import { randomBytes } from 'node:crypto';
import { ShamirError } from './errors';
import { MAX_SECRET_BYTES, pad, paddedLength, unpad } from './padding';

const valueOf = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
/** Jest's `toEqual` walks a typed array element by element: far too slow for 64 KiB. */
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** A padded buffer of `size` bytes whose prefix says `prefix`. */
function withPrefix(size: number, prefix: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, prefix, false);
  return bytes;
}

describe('padding', () => {
  it.each([0, 1, 59, 60, 61, 1020, 65532, 65533, 65534, 65535, 65536])('round-trips a %i-byte value', (length) => {
    const value = valueOf(length);
    const padded = pad(value);
    expect(padded.length).toBe(paddedLength(length));
    expect(bytesEqual(unpad(padded), value)).toBe(true);
  });

  it.each([
    [0, 64],
    [60, 64],
    [61, 128],
    [124, 128],
    [125, 256],
    [1020, 1024],
    [1021, 2048],
    [32764, 32768],
    [32765, 65536],
    [65532, 65536],
    [65533, 65540],
    [65536, 65540],
  ])('puts a %i-byte value in the %i-byte bucket', (length, bucket) => {
    expect(paddedLength(length)).toBe(bucket);
  });

  it('hides the exact length within a bucket', () => {
    expect(pad(valueOf(3)).length).toBe(pad(valueOf(57)).length);
    expect(pad(valueOf(1021)).length).toBe(pad(valueOf(2044)).length);
  });

  it('fills with random bytes, so two paddings of one value differ after the value', () => {
    const value = valueOf(8);
    expect(bytesEqual(pad(value).subarray(12), pad(value).subarray(12))).toBe(false);
  });

  it.each([-1, 1.5, MAX_SECRET_BYTES + 1, Number.NaN])('rejects a value length of %p', (length) => {
    expect(() => paddedLength(length)).toThrow(ShamirError);
  });

  it('refuses to pad a value over the maximum', () => {
    expect(() => pad(new Uint8Array(MAX_SECRET_BYTES + 1))).toThrow(ShamirError);
  });

  it.each([
    ['shorter than the smallest bucket', new Uint8Array(10)],
    ['not a bucket size', withPrefix(100, 10)],
    ['a prefix beyond the buffer', withPrefix(64, 61)],
    ['a prefix of a smaller bucket', withPrefix(128, 60)],
    ['a prefix over the maximum', withPrefix(65540, MAX_SECRET_BYTES + 1)],
    ['an all-ones prefix', withPrefix(64, 0xffffffff)],
  ])('rejects a padded buffer %s', (_case, padded) => {
    expect(() => unpad(padded)).toThrow(ShamirError);
  });

  it('reads a padded buffer that is a view into a larger one', () => {
    const value = valueOf(20);
    const backing = new Uint8Array(200);
    backing.set(pad(value), 7);
    expect(bytesEqual(unpad(backing.subarray(7, 7 + 64)), value)).toBe(true);
  });
});
