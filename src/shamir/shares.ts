import { createHash, randomBytes } from 'node:crypto';
import { ShamirError } from './errors';

/**
 * A share is exactly what the library returns: the y bytes, one per padded byte, then one
 * x-coordinate byte. The library picks x at random in 1..255, so it is not the replica's
 * index (docs/storage.md, "Shamir's secret keeping"); callers record which x went to which replica.
 */
export function shareX(share: Uint8Array): number {
  if (share.length < 2) throw new ShamirError('A share has at least two bytes.');
  return share[share.length - 1];
}

/**
 * What a reader compares with the digest recorded at write time, to skip a corrupt share:
 * SHA-256(salt || share). The salt is random, 16 bytes, and kept only beside its share, so
 * the digests every replica holds in a split's manifest let nobody test a guessed value
 * against a share they do not hold (docs/security.md). Without a salt: the digest of a
 * share written before salts existed.
 */
export function shareDigest(share: Uint8Array, salt?: Uint8Array | null): string {
  const hash = createHash('sha256');
  if (salt) hash.update(salt);
  return hash.update(share).digest('hex');
}

export const SALT_BYTES = 16;

/** A fresh salt for one share's digest. */
export function newSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_BYTES));
}

/**
 * The library checks `bytes.constructor === Uint8Array`, which rejects a Node `Buffer` (what
 * a base64 decode or a bytea column gives) and a Uint8Array of another realm (a structured
 * clone from a worker thread, seen from Jest's sandbox). A copy made here always passes,
 * and the caller's buffer can change afterwards without affecting the result. Arrays of
 * shares get the same treatment: build them with `Array.from`, not `.map`, which keeps
 * the realm of the array it maps.
 */
export function plainCopy(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * Checks what the library would otherwise report with bare `Error`s or not at all: at least
 * two shares of one length and distinct, non-zero x bytes. It cannot tell whether they come
 * from one split; that is what split ids and digests are for.
 */
export function assertShareSet(shares: readonly Uint8Array[]): void {
  if (shares.length < 2 || shares.length > 255) {
    throw new ShamirError(`Combining needs 2 to 255 shares, got ${shares.length}.`);
  }
  const length = shares[0].length;
  const xs = new Set<number>();
  for (const share of shares) {
    if (share.length !== length) throw new ShamirError('The shares have different lengths.');
    const x = shareX(share);
    if (x === 0) throw new ShamirError('A share has the x-coordinate 0.');
    if (xs.has(x)) throw new ShamirError('Two shares have the same x-coordinate.');
    xs.add(x);
  }
}
