import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { RESERVED_NAME_PREFIX } from '../../common/names';

/**
 * A token is `vt_<id>_<secret>`: the id (16 hex digits) names its record, so a replica
 * finds the record with one quorum read; the secret (32 random bytes, base64url) is never
 * stored, only a digest of it (docs/security.md, "Tokens").
 */
export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;
const TOKEN_PATTERN = /^vt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The record of token `id`, and the index of every token not revoked: reserved names. */
export const tokenRecordName = (id: string): string => `${RESERVED_NAME_PREFIX}token.${id}`;
export const TOKEN_INDEX_NAME = `${RESERVED_NAME_PREFIX}tokens`;

export interface IssuedToken {
  id: string;
  /** The whole token, shown to the client once. */
  token: string;
  secret: string;
}

export function issueToken(): IssuedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `vt_${id}_${secret}` };
}

/** The id and secret of a string shaped like a token, or null. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1], secret: match[2] } : null;
}

/**
 * The digest a record made since hash scheme 2 keeps: SHA-256 over a context string, the
 * id and the secret. Unkeyed on purpose: the secret is 256 random bits, so a digest cannot
 * be tested against guesses, and a token then outlives any change of the peer secret.
 */
export function tokenDigest(id: string, secret: string): string {
  return createHash('sha256').update('vault/tokens/v2\n').update(id).update('\n').update(secret).digest('base64url');
}

/**
 * The key of scheme-1 hashes (records made before scheme 2), derived from VAULT_PEER_SECRET
 * with HKDF and a context string of its own. Such a record's token works only while a
 * peer secret it was made under is accepted; checked, never made any more.
 */
export function tokenHashKey(peerSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', peerSecret, 'vault token hash', 'vault/tokens/v1', 32));
}

/** A scheme-1 hash: HMAC-SHA256 under a key from tokenHashKey. */
export function legacyTokenHash(key: Buffer, id: string, secret: string): string {
  return createHmac('sha256', key).update(id).update('\n').update(secret).digest('base64url');
}

/**
 * Whether `secret` is the one a record's hash was made from: a scheme-2 digest, or a
 * scheme-1 HMAC under any of `legacyKeys` (the accepted peer secrets'). Constant time in
 * the stored value.
 */
export function secretMatches(record: { v: number; hash: string }, id: string, secret: string, legacyKeys: readonly Buffer[]): boolean {
  if (record.v === 2) return sameText(tokenDigest(id, secret), record.hash);
  if (record.v === 1) return legacyKeys.some((key) => sameText(legacyTokenHash(key, id, secret), record.hash));
  return false;
}

function sameText(expected: string, stored: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
