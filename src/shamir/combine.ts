import { combine } from 'shamir-secret-sharing';
import { unpad } from './padding';
import { assertShareSet, plainCopy } from './shares';

/**
 * The value behind at least k shares of ONE split. The library cannot tell shares of two
 * splits (or fewer than k shares) from good ones and returns random bytes for them; `unpad`
 * rejects those almost always, but only the caller's split ids and digests make it certain.
 *
 * Runs on the calling thread: combining a 64 KiB value takes a few milliseconds, less than
 * a round trip to a worker thread would add.
 */
export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  // Threshold 1 (a single replica, for measurements only): the share is the value.
  if (shares.length === 1 && shares[0].length > 1) return unpad(shares[0].subarray(0, shares[0].length - 1));
  assertShareSet(shares);
  const padded = await combine(Array.from(shares, plainCopy));
  try {
    return unpad(padded);
  } finally {
    padded.fill(0);
  }
}
