import { randomFillSync } from 'node:crypto';
import { ShamirError } from './errors';

/** The largest value the vault stores, in bytes (docs/api.md, "Requests and answers"). */
export const MAX_SECRET_BYTES = 65536;

/** The big-endian length prefix in front of the value. */
const PREFIX_BYTES = 4;

/** The smallest bucket: every value up to 60 bytes looks the same in a share. */
const MIN_PADDED_BYTES = 64;

/**
 * The largest bucket. The prefix pushes a full 64 KiB value just past a power of two;
 * rounding that up would double every share of the largest values for nothing, so the
 * top bucket is exactly "prefix + maximum value" instead.
 */
const MAX_PADDED_BYTES = MAX_SECRET_BYTES + PREFIX_BYTES;

/**
 * The length of the padded form of a value of `valueLength` bytes. A share is as long as
 * the padded value (plus its x byte), so a share, its storage row and its peer message
 * reveal only this bucket, never the exact length of the secret (docs/storage.md, "Shamir's secret keeping").
 */
export function paddedLength(valueLength: number): number {
  if (!Number.isSafeInteger(valueLength) || valueLength < 0 || valueLength > MAX_SECRET_BYTES) {
    throw new ShamirError(`A value must be 0 to ${MAX_SECRET_BYTES} bytes long.`);
  }
  const needed = PREFIX_BYTES + valueLength;
  let bucket = MIN_PADDED_BYTES;
  while (bucket < needed) bucket *= 2;
  return Math.min(bucket, MAX_PADDED_BYTES);
}

/**
 * Prefix + value + random filler. Random rather than zero filler so that no part of the
 * padded buffer is predictable, whatever later handles it.
 */
export function pad(value: Uint8Array): Uint8Array {
  const padded = new Uint8Array(paddedLength(value.length));
  new DataView(padded.buffer).setUint32(0, value.length, false);
  padded.set(value, PREFIX_BYTES);
  randomFillSync(padded, PREFIX_BYTES + value.length);
  return padded;
}

/**
 * The value inside a padded buffer. Combining shares of different splits, or fewer shares
 * than the threshold, yields random bytes without any error from the library; their prefix
 * then almost never names a length whose bucket is exactly this buffer's length (a chance
 * of about bucket / 2^33), so this check is where a wrong combination usually shows up.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length < MIN_PADDED_BYTES) {
    throw new ShamirError(`A padded value is at least ${MIN_PADDED_BYTES} bytes long.`);
  }
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0, false);
  if (length > MAX_SECRET_BYTES || paddedLength(length) !== padded.length) {
    throw new ShamirError('The padded value has an impossible length prefix.');
  }
  return padded.slice(PREFIX_BYTES, PREFIX_BYTES + length);
}
