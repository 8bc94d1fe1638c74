import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../../common/errors';
import { Policy } from './policy';
import { parseToken, secretMatches } from './token-format';
import { TokenRateLimit, TokenRecord } from './token-record';

/** Who a request comes from, once its token checked out. */
export interface Principal {
  tokenId: string;
  tokenName: string;
  bootstrap: boolean;
  policy: Policy;
  /** The token's own rate limit, or null: the replica's default (the bootstrap token has none). */
  rateLimit: TokenRateLimit | null;
}

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

export interface TokenAuthenticatorOptions {
  /** VAULT_API_TOKEN: every capability on every name, never looked up. */
  bootstrapToken: string;
  /**
   * Keys of scheme-1 hashes (records made before scheme 2, token-format.ts): the one from
   * VAULT_PEER_SECRET and, while the peer secret changes, the one from
   * VAULT_PEER_SECRET_ACCEPTED. Records made now need no key.
   */
  legacyHashKeys: readonly Buffer[];
  /** A linearizable read of a token's record (TokenStore.lookup). */
  lookup: (id: string) => Promise<{ record: TokenRecord } | null>;
  cacheTtlMs: number;
  /** Monotonic milliseconds, for the cache's age (never compared across replicas). */
  monotonicNow: () => number;
  /** Wall-clock milliseconds, for expiry. */
  now: () => number;
}

interface Looked {
  record: TokenRecord | null;
  policy: Policy | null;
  /** When the lookup STARTED: a read that began before a revoke was chosen may still see the token. */
  startedAt: number;
}

const MAX_CACHED = 10_000;
const INVALID = 'Missing or invalid bearer token.';

/**
 * Checks the bearer token of every request (docs/security.md, "Tokens"). The bootstrap
 * token is compared in constant time. Any other token is looked up by its id with a
 * quorum read, and its secret checked against the record's digest, its expiry and its revoked
 * flag. A record found live is trusted for `cacheTtlMs` counted from when its read
 * STARTED; a revoke answers only once that long has passed since it was chosen, so no
 * replica trusts a revoked token after the revoke's answer. Unknown, expired and revoked
 * tokens are 401. A revocation is final, so a record found revoked is remembered as such
 * (and no slower read that started earlier can bring the token back); an unknown id is
 * never remembered.
 */
export class TokenAuthenticator {
  private readonly bootstrapDigest: Buffer;
  private readonly bootstrap: Principal = {
    tokenId: BOOTSTRAP_TOKEN_ID,
    tokenName: BOOTSTRAP_TOKEN_ID,
    bootstrap: true,
    policy: Policy.allowAll(),
    rateLimit: null,
  };
  private readonly cache = new Map<string, Looked>();
  private readonly inFlight = new Map<string, { startedAt: number; pending: Promise<Looked> }>();
  readonly stats = { cacheHits: 0, lookups: 0, refused: 0 };

  constructor(private readonly options: TokenAuthenticatorOptions) {
    this.bootstrapDigest = digest(options.bootstrapToken);
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
    if (!match) return this.refuse(INVALID);
    const token = match[1];
    if (timingSafeEqual(digest(token), this.bootstrapDigest)) return this.bootstrap;
    const parsed = parseToken(token);
    if (!parsed) return this.refuse(INVALID);

    const looked = await this.find(parsed.id);
    const record = looked.record;
    if (!record || !secretMatches(record, parsed.id, parsed.secret, this.options.legacyHashKeys)) return this.refuse(INVALID);
    if (record.revokedAt !== null) return this.refuse('This token was revoked.');
    if (record.expiresAt !== null && record.expiresAt <= this.options.now()) return this.refuse('This token expired.');
    return { tokenId: record.id, tokenName: record.name, bootstrap: false, policy: looked.policy!, rateLimit: record.rateLimit };
  }

  /** Forgets a token at once (this replica revoked it). */
  evict(id: string): void {
    this.cache.delete(id);
  }

  get cached(): number {
    return this.cache.size;
  }

  private refuse(message: string): never {
    this.stats.refused++;
    throw new UnauthenticatedError(message);
  }

  private async find(id: string): Promise<Looked> {
    const cached = this.cache.get(id);
    if (cached && (cached.record?.revokedAt != null || this.fresh(cached))) {
      this.stats.cacheHits++;
      return cached;
    }
    // Join a lookup in flight only while it is fresh (one that started long ago may predate
    // a revoke this request must see), and use its answer only if it still is.
    const joined = this.inFlight.get(id);
    if (joined && this.options.monotonicNow() - joined.startedAt < this.options.cacheTtlMs) {
      const result = await joined.pending;
      if (result.record && (result.record.revokedAt !== null || this.fresh(result))) return result;
    }
    return this.lookup(id);
  }

  private fresh(looked: Looked): boolean {
    return this.options.monotonicNow() - looked.startedAt < this.options.cacheTtlMs;
  }

  private lookup(id: string): Promise<Looked> {
    const startedAt = this.options.monotonicNow();
    this.stats.lookups++;
    const pending = this.options
      .lookup(id)
      .then((found): Looked => {
        const record = found?.record ?? null;
        const looked: Looked = { record, policy: record ? new Policy(record.rules) : null, startedAt };
        if (record) this.remember(id, looked);
        return looked;
      })
      .finally(() => {
        if (this.inFlight.get(id)?.pending === pending) this.inFlight.delete(id);
      });
    this.inFlight.set(id, { startedAt, pending });
    return pending;
  }

  private remember(id: string, looked: Looked): void {
    const current = this.cache.get(id);
    // A revocation stays; a slower read that started earlier does not replace a newer one.
    if (current && (current.record?.revokedAt != null || current.startedAt > looked.startedAt)) return;
    if (looked.record?.revokedAt == null && this.options.cacheTtlMs <= 0) return;
    this.cache.delete(id);
    this.cache.set(id, looked);
    if (this.cache.size > MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
