/**
 * Refuses a replayed peer request. A request is acceptable only while its signed
 * timestamp is within `skewMs` of this replica's clock, and never when it was signed
 * before this process started (a request captured before a restart cannot be replayed
 * after it: the nonces it would collide with are gone, so its timestamp must be too old).
 * A nonce is remembered exactly as long as its timestamp stays acceptable, so memory is
 * bounded by the rate of authenticated requests times the window, never by a count that
 * an attacker could fill to lock peers out.
 */
export class NonceWindow {
  private readonly seen = new Map<string, number>();
  /** Nonces in arrival order with their expiry, for eviction without scanning. */
  private readonly order: Array<{ nonce: string; expiresAt: number }> = [];
  private head = 0;

  constructor(
    readonly startedAt: number,
    readonly skewMs = 30_000,
  ) {}

  /** Whether a request signed at `timestamp` may be accepted now (before its nonce is checked). */
  timestampAcceptable(timestamp: number, now: number): boolean {
    return timestamp >= this.startedAt && timestamp >= now - this.skewMs && timestamp <= now + this.skewMs;
  }

  /** Records the nonce; false when it was seen while still acceptable. Call only for authenticated requests. */
  checkAndRemember(nonce: string, timestamp: number, now: number): boolean {
    this.evict(now);
    if (this.seen.has(nonce)) return false;
    const expiresAt = timestamp + this.skewMs;
    this.seen.set(nonce, expiresAt);
    this.order.push({ nonce, expiresAt });
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private evict(now: number): void {
    while (this.head < this.order.length && this.order[this.head].expiresAt < now) {
      const { nonce, expiresAt } = this.order[this.head++];
      if (this.seen.get(nonce) === expiresAt) this.seen.delete(nonce);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
