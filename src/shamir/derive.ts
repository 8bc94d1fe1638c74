import { combine } from 'shamir-secret-sharing';
import { ShamirError } from './errors';
import { assertShareSet, plainCopy, shareX } from './shares';

/**
 * The share of the same split at x-coordinate `x`, computed from k shares of that split by
 * the audited library itself, without field arithmetic of our own (SPEC section 4). Read
 * repair uses it to give a replica back exactly the share it was given at write time
 * (DESIGN-NOTES, "Read repair without a new split").
 *
 * Why it works: per byte position the split is a polynomial f of degree k-1 over GF(2^8)
 * with f(x_i) = y_i, and `combine()` interpolates through its points and evaluates at 0.
 * Let g(t) = f(t + x). Addition in GF(2^8) is XOR, so g(t) = f(t XOR x); a shift of the
 * argument keeps the degree, so g is again a polynomial of degree k-1, and
 * g(x_i XOR x) = f(x_i XOR x XOR x) = f(x_i) = y_i. Handing `combine()` the shares with
 * their x byte replaced by x_i XOR x therefore interpolates g, and its value at 0 is
 * g(0) = f(x), for every byte position at once. The shifted x bytes stay distinct (XOR
 * with a constant is a bijection) and non-zero (because x_i differs from x). Appending x
 * makes the result a share like any other.
 *
 * Like `combine()`, it cannot tell fewer than k shares, or shares of two splits, from a
 * good set: it then returns a share of some other polynomial. The caller compares the
 * result with the digest recorded for x at write time before it sends it anywhere.
 */
export async function deriveShare(shares: Uint8Array[], x: number): Promise<Uint8Array> {
  if (!Number.isInteger(x) || x < 1 || x > 255) {
    throw new ShamirError('An x-coordinate is an integer from 1 to 255.');
  }
  assertShareSet(shares);
  const shifted = Array.from(shares, (share) => {
    if (shareX(share) === x) {
      throw new ShamirError('A share at the x-coordinate to derive was passed as a basis.');
    }
    const copy = plainCopy(share);
    copy[copy.length - 1] = shareX(share) ^ x;
    return copy;
  });
  const ys = await combine(shifted);
  const derived = new Uint8Array(ys.length + 1);
  derived.set(ys);
  derived[ys.length] = x;
  return derived;
}
