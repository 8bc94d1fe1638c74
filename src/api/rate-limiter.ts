import { RateLimitedError } from '../common/errors';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: RateLimit;
}

const MAX_BUCKETS = 100_000;

/**
 * Per-token token buckets, in this replica's memory (docs/security.md, "Rate limits"): each
 * token may make `burst` requests at once and `perSecond` on average, on each replica. Not
 * shared between replicas on purpose: a shared count would cost a quorum round trip on
 * every request, and a client spread over n replicas gets at most n times its limit.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  limited = 0;

  constructor(
    private readonly defaults: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from `key`'s bucket, or throws 429 RATE_LIMITED with the seconds until the next. */
  take(key: string, own: RateLimit | null): void {
    const limit = own ?? this.defaults;
    if (limit.perSecond <= 0) return;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.limit.perSecond !== limit.perSecond || bucket.limit.burst !== limit.burst) {
      bucket = { tokens: limit.burst, at: now, limit };
      this.buckets.set(key, bucket);
      if (this.buckets.size > MAX_BUCKETS) this.forgetFull(now);
    } else {
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    this.limited++;
    const waitMs = ((1 - bucket.tokens) * 1000) / limit.perSecond;
    throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** A bucket that has refilled is the same as none. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * bucket.limit.perSecond) / 1000 >= bucket.limit.burst) this.buckets.delete(key);
    }
  }
}
