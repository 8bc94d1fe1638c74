import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { RESERVED_NAME_PREFIX } from '../../common/names';

/**
 * A token is `vt_<id>_<secret>`: the id (16 hex digits) names its record, so a replica
 * finds the record with one quorum read; the secret (32 random bytes, base64url) is never
 * stored, only its HMAC under a key that only replicas hold (docs/security.md, "Tokens").
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
 * The key of token hashes, derived from VAULT_PEER_SECRET with HKDF and a context string
 * of its own (so it is not the key that signs peer calls). Rotating the peer secret
 * therefore invalidates every token but the bootstrap one (docs/security.md).
 */
export function tokenHashKey(peerSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', peerSecret, 'vault token hash', 'vault/tokens/v1', 32));
}

export function tokenHash(key: Buffer, id: string, secret: string): string {
  return createHmac('sha256', key).update(id).update('\n').update(secret).digest('base64url');
}

export function hashMatches(key: Buffer, id: string, secret: string, stored: string): boolean {
  const expected = Buffer.from(tokenHash(key, id, secret));
  const given = Buffer.from(stored);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
