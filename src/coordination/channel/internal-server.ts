import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Clock } from '../../common/clock';
import { VaultError } from '../../common/errors';
import { PeerRouter } from '../peer-router';
import { BatchAnswer, envelopeSchemas, INTERNAL_BODY_LIMIT, INTERNAL_PATH, MessageResult } from './envelope';
import { NonceWindow } from './nonce-window';
import { PEER_HEADERS, sha256Hex, signAnswer, verifyRequestHeaders } from './peer-signing';

export interface InternalServerOptions {
  selfId: string;
  peerIds: readonly string[];
  /** Signs this replica's answers. */
  peerSecret: string;
  /** Every secret a caller's signature may be made with: `peerSecret` and VAULT_PEER_SECRET_ACCEPTED. */
  verifiedSecrets: readonly string[];
  /** TLS is on: a caller must have presented a certificate signed by VAULT_TLS_CA. */
  requireClientCertificate: boolean;
  clock: Clock;
  log: (level: 'info' | 'warn' | 'debug', msg: string, fields: Record<string, unknown>) => void;
}

const REFUSAL_CODES: Record<number, string> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'VALIDATION_FAILED' };

/** How long a peer may take to send a body it announced. */
const BODY_TIMEOUT_MS = 30_000;

/**
 * The internal peer API, outside Nest and Express (their per-request pipeline was a
 * fifth of the CPU per peer call). In order, without reading a byte of the body before
 * the caller is authenticated:
 * 1. mutual TLS (when on): the connection's client certificate chains to VAULT_TLS_CA;
 * 2. POST /internal/batch, no content encoding, a declared length within the limit;
 * 3. the signed headers: fresh timestamp (and not from before this process started),
 *    known node, valid HMAC, signed for this replica, unseen nonce;
 * 4. then the body, up to its declared length, must match the signed digest;
 * 5. every message is checked against its route's schema and dispatched; the answer is
 *    signed and bound to the request's nonce.
 * Anything refused is answered at once and the connection closed, so no unauthenticated
 * body is ever buffered or inflated.
 */
export class InternalServer {
  private readonly nonces: NonceWindow;
  private readonly knownNodeIds: ReadonlySet<string>;
  /** Authenticated batches and messages served since start (/status shows them). */
  readonly counters = { batches: 0, messages: 0, refused: 0 };

  constructor(
    private readonly router: PeerRouter,
    private readonly options: InternalServerOptions,
  ) {
    this.nonces = new NonceWindow(options.clock.now());
    this.knownNodeIds = new Set(options.peerIds);
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    void this.serve(request, response).catch((error: unknown) => {
      this.options.log('warn', 'internal request failed', { error: error instanceof Error ? error.name : String(error) });
      if (!response.headersSent) this.refuse(response, 500, 'internal error');
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.options.requireClientCertificate && !(request.socket as TLSSocket).authorized) {
      return this.refuse(response, 401, 'client certificate required');
    }
    // Refusals are signed for the nonce the caller sent, so a peer refused (a clock out of
    // the window, say) hears "refused", not "no valid answer", and is not thought down.
    const nonce = request.headers[PEER_HEADERS.nonce];
    const refuse = (status: number, message: string) => this.refuse(response, status, message, typeof nonce === 'string' && /^[0-9a-f]{32}$/.test(nonce) ? nonce : null);
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'POST' || path !== INTERNAL_PATH) return refuse(404, 'no such internal route');
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return refuse(415, 'compressed bodies are refused');
    const check = verifyRequestHeaders({
      secrets: this.options.verifiedSecrets,
      method: request.method,
      path: request.url ?? '',
      headers: request.headers,
      knownNodeIds: this.knownNodeIds,
      selfId: this.options.selfId,
      nonces: this.nonces,
      now: this.options.clock.now(),
    });
    if (!check.ok) return refuse(401, `peer call refused: ${check.reason}`);
    const length = Number(request.headers['content-length']);
    if (length > INTERNAL_BODY_LIMIT) return refuse(413, 'batch too large');

    const body = await readBody(request, length);
    if (!body || sha256Hex(body) !== check.bodyDigest) return refuse(401, 'body does not match its signature');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'malformed batch');
    }
    if (!envelopeSchemas.request(parsed)) return refuse(400, `malformed batch: ${envelopeSchemas.request.problem()}`);

    this.counters.batches++;
    this.counters.messages += parsed.m.length;
    const results = await Promise.all(
      parsed.m.map(async ({ i, r, b }): Promise<MessageResult> => {
        try {
          return { i, ok: true, v: (await this.router.dispatch(r, b, check.nodeId)) ?? {} };
        } catch (error) {
          const code = error instanceof VaultError ? error.code : 'INTERNAL_ERROR';
          // Our own errors name fields and names, never values; anything else is not echoed.
          const message = error instanceof VaultError ? error.message.slice(0, 2000) : 'internal error';
          if (!(error instanceof VaultError)) this.options.log('warn', 'peer message failed', { route: r, error: error instanceof Error ? error.name : 'unknown' });
          return { i, ok: false, code, message };
        }
      }),
    );
    const answer: BatchAnswer = { a: results };
    const out = Buffer.from(JSON.stringify(answer), 'utf8');
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(out.length),
      ...signAnswer(this.options.peerSecret, this.options.selfId, check.nonce, 200, out),
    });
    response.end(out);
  }

  private refuse(response: ServerResponse, status: number, message: string, nonce: string | null = null): void {
    this.counters.refused++;
    this.options.log('debug', 'internal request refused', { status, reason: message });
    const body = Buffer.from(JSON.stringify({ statusCode: status, code: REFUSAL_CODES[status] ?? 'INTERNAL_ERROR', message }));
    // Close the connection: whatever body the caller still sends is never read.
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(body.length),
      connection: 'close',
      ...(nonce ? signAnswer(this.options.peerSecret, this.options.selfId, nonce, status, body) : {}),
    });
    response.end(body);
  }
}

/** Reads exactly `length` bytes, or null when the body is longer, shorter, or too slow. */
function readBody(request: IncomingMessage, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (value: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      request.destroy();
      finish(null);
    }, BODY_TIMEOUT_MS);
    timer.unref();
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > length) {
        request.destroy();
        finish(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => finish(received === length ? Buffer.concat(chunks, received) : null));
    request.on('error', () => finish(null));
    request.on('aborted', () => finish(null));
  });
}
