import { createHmac } from 'node:crypto';
import { IdempotencyContext } from './secret-transaction';

/** What the API passes for a request sent with an Idempotency-Key. */
export interface IdempotencyRequest {
  key: string;
  /** Method and path, e.g. "PUT /v1/secrets/db-password": a key is scoped to them. */
  scope: string;
  /** The validated request body (and any other input that makes the request what it is). */
  body: unknown;
}

/**
 * The request's fingerprint, to tell a retry from a reuse of the key with another body.
 * Keyed with the peer secret: the record then never lets anyone holding only the database
 * test guesses of a low-entropy value against it. A new record takes the hash under the
 * first secret (the one this replica signs with); a recorded hash under any of them (the
 * second one while the peer secret changes) is the same request.
 */
export function idempotencyContext(peerSecrets: readonly string[], request: IdempotencyRequest): IdempotencyContext {
  const requestHashes = peerSecrets.map((secret) => createHmac('sha256', secret).update(request.scope).update('\n').update(canonicalJson(request.body)).digest('hex'));
  return { scope: request.scope, key: request.key, requestHashes };
}

/** JSON with object keys sorted, so that equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
