import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { NonceWindow } from './nonce-window';

/**
 * Authentication of the internal peer API (docs/model.md "The peer
 * channel"). A request carries an HMAC-SHA256, keyed with VAULT_PEER_SECRET, over the
 * method, the path, the body's length and SHA-256 (sent as a header), a timestamp, a
 * random nonce, the caller's node id and the id of the replica it is for (so a call
 * captured on one link cannot be replayed at another replica, whose nonces are its own):
 * the receiver checks all of it BEFORE it reads the
 * body, then checks the body against the signed digest. The answer carries an HMAC over
 * the request's nonce, its status, its body's digest and the responder's id, so a caller
 * accepts only the answer to its own request from the replica it asked.
 */
export const PEER_HEADERS = {
  node: 'x-vault-node',
  target: 'x-vault-target',
  timestamp: 'x-vault-timestamp',
  nonce: 'x-vault-nonce',
  bodyDigest: 'x-vault-body-sha256',
  signature: 'x-vault-signature',
} as const;

/** Purpose and format version: the peer secret also keys other HMACs, and none may pass for these. */
const REQUEST_CONTEXT = 'vault-peer-request-v2';
const ANSWER_CONTEXT = 'vault-peer-answer-v2';
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/;
const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const NODE_ID_PATTERN = /^[a-z0-9-]{1,63}$/;

export function sha256Hex(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

export interface SignedRequest {
  headers: Record<string, string>;
  nonce: string;
}

export function signRequest(secret: string, nodeId: string, target: string, method: string, path: string, body: Buffer, now: number): SignedRequest {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  const bodyDigest = sha256Hex(body);
  const signature = hmac(secret, [REQUEST_CONTEXT, method.toUpperCase(), path, String(body.length), bodyDigest, timestamp, nonce, nodeId, target]);
  return {
    nonce,
    headers: {
      [PEER_HEADERS.node]: nodeId,
      [PEER_HEADERS.target]: target,
      [PEER_HEADERS.timestamp]: timestamp,
      [PEER_HEADERS.nonce]: nonce,
      [PEER_HEADERS.bodyDigest]: bodyDigest,
      [PEER_HEADERS.signature]: signature.toString('hex'),
    },
  };
}

export type VerifyFailure = 'missing' | 'malformed' | 'bad-signature' | 'stale' | 'replayed' | 'unknown-node' | 'wrong-target';
export type HeaderCheck = { ok: true; nodeId: string; nonce: string; bodyDigest: string } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  /** Every secret a valid signature may be made with (VAULT_PEER_SECRET, then VAULT_PEER_SECRET_ACCEPTED). */
  secrets: readonly string[];
  method: string;
  /** The request target as received. */
  path: string;
  /** As Node delivers them: lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  knownNodeIds: ReadonlySet<string>;
  /** This replica: a call signed for another one is refused. */
  selfId: string;
  nonces: NonceWindow;
  now: number;
}

/**
 * Everything but the body: cheap checks first, then the signature, and only then the
 * nonce, so nobody without the secret can fill the nonce window or burn nonces.
 */
export function verifyRequestHeaders(input: VerifyInput): HeaderCheck {
  const h = input.headers;
  const nodeId = h[PEER_HEADERS.node];
  const target = h[PEER_HEADERS.target];
  const timestamp = h[PEER_HEADERS.timestamp];
  const nonce = h[PEER_HEADERS.nonce];
  const bodyDigest = h[PEER_HEADERS.bodyDigest];
  const signature = h[PEER_HEADERS.signature];
  const length = h['content-length'];
  if (!nodeId || !target || !timestamp || !nonce || !bodyDigest || !signature || !length) return { ok: false, reason: 'missing' };
  const values = [nodeId, target, timestamp, nonce, bodyDigest, signature, length];
  // A repeated header arrives as an array: ambiguous, so refused.
  if (values.some((v) => typeof v !== 'string')) return { ok: false, reason: 'malformed' };
  const [node, to, ts, n, digest, sig, len] = values as string[];
  const wellFormed =
    NODE_ID_PATTERN.test(node) && NODE_ID_PATTERN.test(to) && TIMESTAMP_PATTERN.test(ts) && NONCE_PATTERN.test(n) && HEX64.test(digest) && HEX64.test(sig) && /^[0-9]{1,12}$/.test(len);
  if (!wellFormed) return { ok: false, reason: 'malformed' };
  if (!input.nonces.timestampAcceptable(Number(ts), input.now)) return { ok: false, reason: 'stale' };
  const fields = [REQUEST_CONTEXT, input.method.toUpperCase(), input.path, len, digest, ts, n, node, to];
  if (!signedWithAny(input.secrets, fields, sig)) return { ok: false, reason: 'bad-signature' };
  if (to !== input.selfId) return { ok: false, reason: 'wrong-target' };
  // After the signature: holding the secret without being listed means a misconfigured replica.
  if (!input.knownNodeIds.has(node)) return { ok: false, reason: 'unknown-node' };
  if (!input.nonces.checkAndRemember(n, Number(ts), input.now)) return { ok: false, reason: 'replayed' };
  return { ok: true, nodeId: node, nonce: n, bodyDigest: digest };
}

export function signAnswer(secret: string, nodeId: string, requestNonce: string, status: number, body: Buffer): Record<string, string> {
  const bodyDigest = sha256Hex(body);
  return {
    [PEER_HEADERS.node]: nodeId,
    [PEER_HEADERS.bodyDigest]: bodyDigest,
    [PEER_HEADERS.signature]: hmac(secret, [ANSWER_CONTEXT, requestNonce, String(status), String(body.length), bodyDigest, nodeId]).toString('hex'),
  };
}

/** Whether an answer is the one `expectedNode` gave to the request with `requestNonce`. */
export function verifyAnswer(
  secrets: readonly string[],
  expectedNode: string,
  requestNonce: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): boolean {
  const node = headers[PEER_HEADERS.node];
  const digest = headers[PEER_HEADERS.bodyDigest];
  const signature = headers[PEER_HEADERS.signature];
  if (typeof node !== 'string' || typeof digest !== 'string' || typeof signature !== 'string' || !HEX64.test(signature)) return false;
  if (node !== expectedNode || digest !== sha256Hex(body)) return false;
  return signedWithAny(secrets, [ANSWER_CONTEXT, requestNonce, String(status), String(body.length), digest, node], signature);
}

/** Whether `signature` (64 hex digits) is the HMAC of `fields` under one of `secrets`. */
function signedWithAny(secrets: readonly string[], fields: string[], signature: string): boolean {
  const given = Buffer.from(signature, 'hex');
  return secrets.some((secret) => timingSafeEqual(given, hmac(secret, fields)));
}

/** Newline-separated: no field can hold a newline (HTTP forbids it; the others are checked). */
function hmac(secret: string, fields: string[]): Buffer {
  return createHmac('sha256', secret).update(fields.join('\n')).digest();
}
