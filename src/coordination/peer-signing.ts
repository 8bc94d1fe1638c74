import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NonceCache } from './nonce-cache';

/**
 * Authentication of the internal peer API (SPEC section 2): every call carries an
 * HMAC-SHA256, keyed with VAULT_PEER_SECRET, over the method, the path with its query,
 * the body's digest, a timestamp, a random nonce and the caller's node id. The timestamp
 * bounds how long a captured call stays usable; the nonce makes it usable once.
 */
export const PEER_HEADERS = {
  node: 'x-vault-node',
  timestamp: 'x-vault-timestamp',
  nonce: 'x-vault-nonce',
  signature: 'x-vault-signature',
} as const;

/** A type alias rather than an interface so that it fits any `Record<string, string>` of headers. */
export type SignedHeaders = {
  'x-vault-node': string;
  'x-vault-timestamp': string;
  'x-vault-nonce': string;
  'x-vault-signature': string;
};

export type VerifyFailure = 'missing' | 'malformed' | 'bad-signature' | 'stale' | 'replayed' | 'unknown-node';
export type VerifyResult = { ok: true; nodeId: string } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  secret: string;
  method: string;
  /** The request target as received: path and query string. */
  path: string;
  body: Buffer | string;
  /** As Node delivers them: lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  knownNodeIds: ReadonlySet<string>;
  nonces: NonceCache;
  now?: number;
  maxSkewMs?: number;
}

export const DEFAULT_MAX_SKEW_MS = 30_000;

/**
 * Tags the signed string with its purpose and format version: the peer secret also keys
 * other HMACs in the app, and no such HMAC may ever pass for a peer signature.
 */
const SIGNATURE_CONTEXT = 'vault-peer-request-v1';
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/;
const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;
/** Membership is decided by knownNodeIds; this only keeps junk out of the signed string. */
const NODE_ID_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function signPeerRequest(
  secret: string,
  nodeId: string,
  method: string,
  path: string,
  body: Buffer | string,
  now = Date.now(),
): SignedHeaders {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  return {
    [PEER_HEADERS.node]: nodeId,
    [PEER_HEADERS.timestamp]: timestamp,
    [PEER_HEADERS.nonce]: nonce,
    [PEER_HEADERS.signature]: sign(secret, { method, path, body, timestamp, nonce, nodeId }).toString('hex'),
  };
}

/**
 * Cheap checks first, then the signature, and only then the nonce: a forged or stale call
 * never reaches the nonce cache, so nobody without the secret can fill it or burn nonces.
 */
export function verifyPeerRequest(input: VerifyInput): VerifyResult {
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const now = input.now ?? Date.now();
  assertNoncesOutliveSkew(input.nonces, maxSkewMs);

  const headers = readHeaders(input.headers);
  if (headers === 'missing' || headers === 'malformed') return { ok: false, reason: headers };
  const { nodeId, timestamp, nonce, signature } = headers;
  if (Math.abs(now - Number(timestamp)) > maxSkewMs) return { ok: false, reason: 'stale' };

  const expected = sign(input.secret, { method: input.method, path: input.path, body: input.body, timestamp, nonce, nodeId });
  if (!timingSafeEqual(Buffer.from(signature, 'hex'), expected)) return { ok: false, reason: 'bad-signature' };
  // After the signature: holding the secret without being listed means a misconfigured replica.
  if (!input.knownNodeIds.has(nodeId)) return { ok: false, reason: 'unknown-node' };
  if (!input.nonces.checkAndRemember(nonce, now)) return { ok: false, reason: 'replayed' };
  return { ok: true, nodeId };
}

interface Signed {
  method: string;
  path: string;
  body: Buffer | string;
  timestamp: string;
  nonce: string;
  nodeId: string;
}

/** Newline-separated: no field can hold a newline (HTTP forbids it; the others are checked). */
function sign(secret: string, fields: Signed): Buffer {
  const bodyDigest = createHash('sha256').update(fields.body).digest('hex');
  const canonical = [SIGNATURE_CONTEXT, fields.method.toUpperCase(), fields.path, bodyDigest, fields.timestamp, fields.nonce, fields.nodeId].join('\n');
  return createHmac('sha256', secret).update(canonical).digest();
}

type PeerHeaderValues = { nodeId: string; timestamp: string; nonce: string; signature: string };

function readHeaders(headers: VerifyInput['headers']): PeerHeaderValues | 'missing' | 'malformed' {
  const nodeId = headers[PEER_HEADERS.node];
  const timestamp = headers[PEER_HEADERS.timestamp];
  const nonce = headers[PEER_HEADERS.nonce];
  const signature = headers[PEER_HEADERS.signature];
  if (!nodeId || !timestamp || !nonce || !signature) return 'missing';
  // A repeated header arrives as an array (or joined with ", "): ambiguous, so refused.
  if (typeof nodeId !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
    return 'malformed';
  }
  const wellFormed =
    NODE_ID_PATTERN.test(nodeId) && TIMESTAMP_PATTERN.test(timestamp) && NONCE_PATTERN.test(nonce) && SIGNATURE_PATTERN.test(signature);
  return wellFormed ? { nodeId, timestamp, nonce, signature } : 'malformed';
}

/** A cache that forgets sooner than a timestamp stays acceptable would let replays through. */
function assertNoncesOutliveSkew(nonces: NonceCache, maxSkewMs: number): void {
  if (nonces.ttlMs < 2 * maxSkewMs) {
    throw new Error(`NonceCache ttl ${nonces.ttlMs} ms is shorter than twice the accepted skew (${maxSkewMs} ms): replays would pass`);
  }
}
