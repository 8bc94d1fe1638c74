import { UnauthenticatedError } from '../../common/errors';
import { TokenAuthenticator } from './token-authenticator';
import { issueToken, legacyTokenHash, tokenDigest, tokenHashKey } from './token-format';
import { TokenRecord } from './token-record';

const key = tokenHashKey('p'.repeat(32));
const BOOTSTRAP = 'bootstrap-token-0123456789';

/** A record as made now: hash scheme 2, no key. */
function recordOf(issued: { id: string; secret: string }, extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    v: 2,
    id: issued.id,
    name: 'team',
    hash: tokenDigest(issued.id, issued.secret),
    rules: [{ effect: 'allow', capabilities: ['read'], names: ['a.*'] }],
    createdAt: 0,
    createdBy: { id: 'bootstrap', name: 'bootstrap' },
    expiresAt: null,
    revokedAt: null,
    rateLimit: null,
    ...extra,
  };
}

/** A record made before scheme 2: its hash keyed from the peer secret `legacyKey`. */
function legacyRecordOf(issued: { id: string; secret: string }, legacyKey: Buffer): TokenRecord {
  return { ...recordOf(issued), v: 1, hash: legacyTokenHash(legacyKey, issued.id, issued.secret) };
}

describe('TokenAuthenticator', () => {
  let monotonic = 0;
  let wall = 1_000_000;
  const records = new Map<string, TokenRecord>();
  let lookups = 0;
  let hold: Promise<void> | null = null;
  const authenticator = (ttl = 2000, keys: readonly Buffer[] = [key]) =>
    new TokenAuthenticator({
      bootstrapToken: BOOTSTRAP,
      legacyHashKeys: keys,
      cacheTtlMs: ttl,
      monotonicNow: () => monotonic,
      now: () => wall,
      lookup: async (id) => {
        lookups++;
        // What the read sees is decided when it starts; it may answer later.
        const found = records.get(id);
        const snapshot = found ? { record: { ...found } } : null;
        if (hold) await hold;
        return snapshot;
      },
    });
  const bearer = (token: string) => `Bearer ${token}`;

  beforeEach(() => {
    monotonic = 0;
    wall = 1_000_000;
    records.clear();
    lookups = 0;
    hold = null;
  });

  it('takes the bootstrap token without a lookup, with every capability', async () => {
    const principal = await authenticator().authenticate(bearer(BOOTSTRAP));
    expect(principal).toMatchObject({ tokenId: 'bootstrap', bootstrap: true, rateLimit: null });
    expect(principal.policy.allows({ capability: 'admin' })).toBe(true);
    expect(lookups).toBe(0);
  });

  it('checks a token against its record\'s digest, and refuses a wrong secret, an unknown id and junk with 401', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    const a = authenticator();
    expect(await a.authenticate(bearer(issued.token))).toMatchObject({ tokenId: issued.id, tokenName: 'team', bootstrap: false });
    const forged = `vt_${issued.id}_${'A'.repeat(43)}`;
    await expect(a.authenticate(bearer(forged))).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(a.authenticate(bearer(issueToken().token))).rejects.toBeInstanceOf(UnauthenticatedError);
    for (const header of [undefined, '', 'Basic abc', 'Bearer', `Bearer ${issued.token} extra`, 'Bearer vt_short']) {
      await expect(a.authenticate(header)).rejects.toBeInstanceOf(UnauthenticatedError);
    }
  });

  it('checks a record made now without any key, so that a change of the peer secret leaves its token working', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    expect(await authenticator(0, []).authenticate(bearer(issued.token))).toMatchObject({ tokenId: issued.id });
    expect(await authenticator(0, [tokenHashKey('n'.repeat(32))]).authenticate(bearer(issued.token))).toMatchObject({ tokenId: issued.id });
    await expect(authenticator(0, []).authenticate(bearer(`vt_${issued.id}_${'A'.repeat(43)}`))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('checks a record of the old scheme under the key of each accepted peer secret, and only while one of them made it', async () => {
    const newKey = tokenHashKey('n'.repeat(32));
    const issued = issueToken();
    records.set(issued.id, legacyRecordOf(issued, key)); // hashed with the old peer secret's key
    expect(await authenticator(0, [key]).authenticate(bearer(issued.token))).toMatchObject({ tokenId: issued.id });
    expect(await authenticator(0, [newKey, key]).authenticate(bearer(issued.token))).toMatchObject({ tokenId: issued.id });
    await expect(authenticator(0, [newKey]).authenticate(bearer(issued.token))).rejects.toBeInstanceOf(UnauthenticatedError);
    // A wrong secret still fails under every key.
    await expect(authenticator(0, [newKey, key]).authenticate(bearer(`vt_${issued.id}_${'A'.repeat(43)}`))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('reads a hash by the scheme its record names: a keyed hash labelled scheme 2, or a digest labelled scheme 1, matches nothing', async () => {
    const issued = issueToken();
    records.set(issued.id, { ...legacyRecordOf(issued, key), v: 2 });
    await expect(authenticator(0, [key]).authenticate(bearer(issued.token))).rejects.toBeInstanceOf(UnauthenticatedError);
    records.set(issued.id, { ...recordOf(issued), v: 1 });
    await expect(authenticator(0, [key]).authenticate(bearer(issued.token))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('trusts a looked-up token for the TTL counted from when its read started, then reads again', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    const a = authenticator(2000);
    await a.authenticate(bearer(issued.token));
    expect(lookups).toBe(1);
    monotonic = 1999;
    await a.authenticate(bearer(issued.token));
    expect(lookups).toBe(1);
    // Revoked meanwhile: the cache has expired by TTL, so the next request reads again.
    records.set(issued.id, recordOf(issued, { revokedAt: 5 }));
    monotonic = 2000;
    await expect(a.authenticate(bearer(issued.token))).rejects.toThrow('revoked');
    expect(lookups).toBe(2);
  });

  it('does not let a slow read that started before a revocation bring the token back', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    const a = authenticator(2000);
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const slow = a.authenticate(bearer(issued.token)); // sees the live record, answers late
    hold = null;
    records.set(issued.id, recordOf(issued, { revokedAt: 5 }));
    monotonic = 2500; // the slow read is now older than the TTL: a new request reads again
    await expect(a.authenticate(bearer(issued.token))).rejects.toThrow('revoked');
    release();
    await slow; // served: it was admitted before the revocation
    monotonic = 2600;
    await expect(a.authenticate(bearer(issued.token))).rejects.toThrow('revoked');
  });

  it('refuses an expired token by the wall clock even while cached', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued, { expiresAt: wall + 1000 }));
    const a = authenticator();
    await a.authenticate(bearer(issued.token));
    wall += 1000;
    await expect(a.authenticate(bearer(issued.token))).rejects.toThrow('expired');
    expect(lookups).toBe(1);
  });

  it('with a TTL of 0 reads on every request', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    const a = authenticator(0);
    for (let i = 0; i < 3; i++) await a.authenticate(bearer(issued.token));
    expect(lookups).toBe(3);
  });

  it('forgets a token it revoked itself at once', async () => {
    const issued = issueToken();
    records.set(issued.id, recordOf(issued));
    const a = authenticator();
    await a.authenticate(bearer(issued.token));
    records.set(issued.id, recordOf(issued, { revokedAt: 5 }));
    a.evict(issued.id);
    await expect(a.authenticate(bearer(issued.token))).rejects.toThrow('revoked');
  });
});
