import { issueToken, legacyTokenHash, secretMatches, tokenDigest, tokenHashKey } from './token-format';
import { isTokenRecord, TokenRecord } from './token-record';

function record(v: number, hash: string): Record<string, unknown> {
  const issued = issueToken();
  return {
    v,
    id: issued.id,
    name: 'ci',
    hash,
    rules: [{ effect: 'allow', capabilities: ['read'], names: ['app.*'] }],
    createdAt: 1,
    createdBy: { id: 'bootstrap', name: 'bootstrap' },
    expiresAt: null,
    revokedAt: null,
    rateLimit: null,
  } satisfies Record<keyof TokenRecord, unknown>;
}

describe('token records', () => {
  const issued = issueToken();

  it('parse with either hash scheme, so records made before scheme 2 still load after an upgrade', () => {
    expect(isTokenRecord(record(2, tokenDigest(issued.id, issued.secret)))).toBe(true);
    expect(isTokenRecord(record(1, legacyTokenHash(tokenHashKey('p'.repeat(32)), issued.id, issued.secret)))).toBe(true);
  });

  it('refuse a scheme this version does not know', () => {
    for (const v of [0, 3, '2', null]) expect(isTokenRecord(record(v as number, tokenDigest(issued.id, issued.secret)))).toBe(false);
  });

  it('match a secret only by the scheme they name: never by a scheme this version does not know', () => {
    const key = tokenHashKey('p'.repeat(32));
    const digest = tokenDigest(issued.id, issued.secret);
    const hmac = legacyTokenHash(key, issued.id, issued.secret);
    expect(secretMatches({ v: 2, hash: digest }, issued.id, issued.secret, [])).toBe(true);
    expect(secretMatches({ v: 1, hash: hmac }, issued.id, issued.secret, [key])).toBe(true);
    for (const v of [0, 3]) {
      expect(secretMatches({ v, hash: digest }, issued.id, issued.secret, [key])).toBe(false);
      expect(secretMatches({ v, hash: hmac }, issued.id, issued.secret, [key])).toBe(false);
    }
  });

  it('make a digest that depends on the id and the secret, and on no peer secret', () => {
    const other = issueToken();
    expect(tokenDigest(issued.id, issued.secret)).toBe(tokenDigest(issued.id, issued.secret));
    expect(tokenDigest(issued.id, other.secret)).not.toBe(tokenDigest(issued.id, issued.secret));
    expect(tokenDigest(other.id, issued.secret)).not.toBe(tokenDigest(issued.id, issued.secret));
    // Never the secret itself, and not the scheme-1 hash under any key.
    expect(tokenDigest(issued.id, issued.secret)).not.toContain(issued.secret);
    expect(tokenDigest(issued.id, issued.secret)).not.toBe(legacyTokenHash(tokenHashKey('p'.repeat(32)), issued.id, issued.secret));
  });
});
