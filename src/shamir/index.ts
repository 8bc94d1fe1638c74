/**
 * Shamir's secret sharing for the vault: padding to length buckets, splitting, combining
 * and deriving shares, all through the audited `shamir-secret-sharing` library. Pure: no
 * Nest, no I/O, no logging. Large splits run on a small worker pool (split-pool.ts).
 */
export { ShamirError } from './errors';
export { MAX_SECRET_BYTES, paddedLength, pad, unpad } from './padding';
export { splitSecret } from './split';
export { combineShares } from './combine';
export { shareX, shareDigest, newSalt, SALT_BYTES } from './shares';
export { MAX_QUEUED_SPLITS, shutdownShamirWorkers, SplitQueueFullError } from './split-pool';
