import { split } from 'shamir-secret-sharing';
import { ShamirError } from './errors';
import { pad } from './padding';
import { plainCopy } from './shares';
import { splitOnWorker } from './split-pool';

/**
 * Padded values larger than this are split on a worker thread. The library asks the CSPRNG
 * once per byte, so splitting into 5 shares costs about 2.5 ms per KiB (measured with
 * node: 2.5 ms at 1 KiB, 8 ms at 4 KiB, 140-210 ms at 64 KiB), and on the main thread every
 * other request of the replica would wait that long. Small values, which most secrets are
 * (passwords, tokens, keys), gain nothing from a worker: the hop (a structured clone each
 * way and a thread wake-up, plus tens of milliseconds once when a thread starts) made a
 * 2 KiB split take about 6 ms against 4 ms inline. Up to 1 KiB padded (a 1020-byte value)
 * the split therefore runs inline, a stall of about 3 ms, the size of the stall that
 * combining a 64 KiB value causes anyway; anything larger moves off the event loop.
 */
export const INLINE_SPLIT_MAX_PADDED_BYTES = 1024;

/**
 * Pads `value` (so a share reveals only a length bucket) and splits it into `n` shares of
 * which any `k` recover it. Each share is the library's output as is; its x byte is random.
 */
export async function splitSecret(value: Uint8Array, n: number, k: number): Promise<Uint8Array[]> {
  if (!Number.isInteger(n) || !Number.isInteger(k) || (k < 2 && !(n === 1 && k === 1)) || n < k || n > 255) {
    throw new ShamirError('Splitting needs integers 2 <= k <= n <= 255 (or n = k = 1).');
  }
  const padded = pad(value);
  try {
    // Threshold 1 (a single replica, for measurements only): the polynomial is the value.
    if (k === 1) return [withX(padded, 1)];
    if (padded.length <= INLINE_SPLIT_MAX_PADDED_BYTES) return await split(padded, n, k);
    // The clones from the worker thread belong to the outer realm, which under Jest's
    // sandbox is not this module's: the library would reject such an Array or Uint8Array,
    // and `.map` would keep the foreign Array. `Array.from` builds this realm's.
    return Array.from(await splitOnWorker(padded, n, k), plainCopy);
  } finally {
    padded.fill(0);
  }
}

function withX(padded: Uint8Array, x: number): Uint8Array {
  const share = new Uint8Array(padded.length + 1);
  share.set(padded);
  share[padded.length] = x;
  return share;
}
