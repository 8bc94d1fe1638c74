/**
 * Remembers the nonces of accepted peer calls so that a captured call cannot be replayed.
 *
 * Two generations of Sets instead of a Map of expiry times: a lookup is two Set probes, and
 * expiry is dropping a whole generation, never a sweep over every entry. A nonce stays
 * remembered for at least `ttlMs` (at most twice that). It must outlive the window in which
 * its signed timestamp is still accepted: with a skew allowance of s either way, that is 2s
 * after the call is first seen, hence the 60 s default for the 30 s allowance.
 *
 * Memory is bounded by `maxEntries` over both generations. At the bound the cache refuses
 * new nonces (the call is rejected) rather than forget live ones, because forgetting would
 * reopen the replay window; reaching it takes more signed calls per minute than a cluster
 * of this size ever makes, so it signals abuse by a peer-secret holder, not load.
 */
export class NonceCache {
  private current = new Set<string>();
  private previous = new Set<string>();
  private generationStart: number | null = null;

  constructor(
    readonly ttlMs = 60_000,
    readonly maxEntries = 1_000_000,
  ) {
    if (!(ttlMs > 0) || !(maxEntries > 0)) throw new RangeError('NonceCache needs a positive ttlMs and maxEntries');
  }

  /** Records the nonce; false when it was already seen within the ttl (or the cache is full). */
  checkAndRemember(nonce: string, now = Date.now()): boolean {
    this.rotate(now);
    if (this.current.has(nonce) || this.previous.has(nonce)) return false;
    if (this.size >= this.maxEntries) return false;
    this.current.add(nonce);
    return true;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(now: number): void {
    if (this.generationStart === null) this.generationStart = now;
    const elapsed = now - this.generationStart;
    // A clock that went backwards only keeps entries longer, which is the safe direction.
    if (elapsed < this.ttlMs) return;
    this.previous = elapsed < 2 * this.ttlMs ? this.current : new Set();
    this.current = new Set();
    this.generationStart = now;
  }
}
