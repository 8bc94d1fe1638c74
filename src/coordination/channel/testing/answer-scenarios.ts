import http from 'node:http';
import { AddressInfo } from 'node:net';
import { systemClock } from '../../../common/clock';
import { compileSchema, S } from '../../../common/schema';
import { systemIds } from '../../../common/ids';
import { PeerHealth } from '../../peer-health';
import { PeerRouter } from '../../peer-router';
import { PeerCallError } from '../../peer-transport';
import { BatchRequest, envelopeSchemas, INTERNAL_BODY_LIMIT } from '../envelope';
import { HttpPeerChannel } from '../http-peer-channel';
import { NonceWindow } from '../nonce-window';
import { sha256Hex, signAnswer, verifyRequestHeaders } from '../peer-signing';

/**
 * A stand-in for a peer's internal server that speaks the batch protocol over real HTTP
 * and answers each request the way the current scenario says: well, or in one of the
 * malformed shapes a caller must treat as that peer failing the call.
 */
export const SECRET = 'peer-secret-0123456789-abcdefghijklmnop';
export const ECHO_ROUTE = 'test/echo';
/** Generous, so that a loaded machine does not turn a malformed answer into a timeout. */
export const PEER_TIMEOUT_MS = 2_000;
/** The deadline of the scenario whose answer comes late. */
export const LATE_TIMEOUT_MS = 250;

export interface Exchange {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  batch: BatchRequest;
  /** The caller's request nonce, which a genuine answer is bound to. */
  nonce: string;
}

export type Behaviour = (exchange: Exchange) => void;

/** Writes `body` with the given status, signed as `signer` says (false: unsigned). */
export function reply(
  response: http.ServerResponse,
  status: number,
  body: string | Buffer,
  sign: false | { nonce: string; node?: string; secret?: string; signedBody?: string | Buffer },
): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const signedBytes = sign && sign.signedBody !== undefined ? Buffer.from(sign.signedBody) : bytes;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(bytes.length) };
  if (sign) Object.assign(headers, signAnswer(sign.secret ?? SECRET, sign.node ?? 'n2', sign.nonce, status, signedBytes));
  response.writeHead(status, headers);
  response.end(bytes);
}

/** The genuine answer: one echo result per message. */
export function echoResults(batch: BatchRequest): Array<{ i: number; ok: true; v: unknown }> {
  return batch.m.map((message) => ({ i: message.i, ok: true, v: { x: (message.b as { x: number }).x, by: 'n2' } }));
}

export const honest: Behaviour = ({ response, batch, nonce }) => reply(response, 200, JSON.stringify({ a: echoResults(batch) }), { nonce });

/** Every malformed answer shape, with the failure the caller must report for it. */
export const MALFORMED: Record<string, { behaviour: Behaviour; failure: PeerCallError['failure']; peerTimeoutMs?: number }> = {
  'an answer that is not JSON': {
    behaviour: ({ response, nonce }) => reply(response, 200, 'this is not json', { nonce }),
    failure: 'invalid-answer',
  },
  'a wrong envelope': {
    behaviour: ({ response, nonce }) => reply(response, 200, JSON.stringify({ answers: [] }), { nonce }),
    failure: 'invalid-answer',
  },
  'an envelope whose results have the wrong shape': {
    behaviour: ({ response, nonce }) => reply(response, 200, JSON.stringify({ a: [{ i: 0, v: 1 }] }), { nonce }),
    failure: 'invalid-answer',
  },
  'no result for the message': {
    behaviour: ({ response, nonce }) => reply(response, 200, JSON.stringify({ a: [] }), { nonce }),
    failure: 'invalid-answer',
  },
  "a result that fails its route's answer schema": {
    behaviour: ({ response, batch, nonce }) =>
      reply(response, 200, JSON.stringify({ a: batch.m.map((m) => ({ i: m.i, ok: true, v: { x: 'not a number', by: 'n2' } })) }), { nonce }),
    failure: 'invalid-answer',
  },
  'a result with a field its schema does not define': {
    behaviour: ({ response, batch, nonce }) =>
      reply(response, 200, JSON.stringify({ a: batch.m.map((m) => ({ i: m.i, ok: true, v: { x: 1, by: 'n2', extra: true } })) }), { nonce }),
    failure: 'invalid-answer',
  },
  'an unsigned answer': {
    behaviour: ({ response, batch }) => reply(response, 200, JSON.stringify({ a: echoResults(batch) }), false),
    failure: 'invalid-answer',
  },
  'an answer signed for another nonce': {
    behaviour: ({ response, batch }) => reply(response, 200, JSON.stringify({ a: echoResults(batch) }), { nonce: 'f'.repeat(32) }),
    failure: 'invalid-answer',
  },
  'an answer signed with another secret': {
    behaviour: ({ response, batch, nonce }) =>
      reply(response, 200, JSON.stringify({ a: echoResults(batch) }), { nonce, secret: 'another-secret-0123456789-abcdefghij' }),
    failure: 'invalid-answer',
  },
  'an answer signed as another replica': {
    behaviour: ({ response, batch, nonce }) => reply(response, 200, JSON.stringify({ a: echoResults(batch) }), { nonce, node: 'n3' }),
    failure: 'invalid-answer',
  },
  'a tampered body (same length, signed before the change)': {
    behaviour: ({ response, batch, nonce }) => {
      const genuine = JSON.stringify({ a: echoResults(batch) });
      reply(response, 200, genuine.replace('"by":"n2"', '"by":"n9"'), { nonce, signedBody: genuine });
    },
    failure: 'invalid-answer',
  },
  'an unsigned refusal': {
    behaviour: ({ response }) => reply(response, 401, JSON.stringify({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'no' }), false),
    failure: 'invalid-answer',
  },
  'a signed refusal of the whole batch': {
    behaviour: ({ response, nonce }) => reply(response, 503, JSON.stringify({ statusCode: 503, code: 'OVERLOADED', message: 'busy' }), { nonce }),
    failure: 'rejected',
  },
  'a refusal of the message itself': {
    behaviour: ({ response, batch, nonce }) =>
      reply(response, 200, JSON.stringify({ a: batch.m.map((m) => ({ i: m.i, ok: false, code: 'VALIDATION_FAILED', message: 'bad' })) }), { nonce }),
    failure: 'rejected',
  },
  'an oversized answer': {
    behaviour: ({ response, nonce }) => {
      const huge = Buffer.alloc(INTERNAL_BODY_LIMIT + 64 * 1024, 0x20);
      reply(response, 200, huge, { nonce });
    },
    failure: 'unreachable',
  },
  'an answer cut off mid-body': {
    behaviour: ({ response, batch, nonce }) => {
      const body = Buffer.from(JSON.stringify({ a: echoResults(batch) }));
      response.writeHead(200, { 'content-length': String(body.length + 100), ...signAnswer(SECRET, 'n2', nonce, 200, body) });
      response.write(body);
      setTimeout(() => response.destroy(), 10);
    },
    failure: 'unreachable',
  },
  'an answer after the deadline': {
    behaviour: ({ response, batch, nonce }) => {
      setTimeout(() => reply(response, 200, JSON.stringify({ a: echoResults(batch) }), { nonce }), LATE_TIMEOUT_MS + 150);
    },
    failure: 'timeout',
    peerTimeoutMs: LATE_TIMEOUT_MS,
  },
};

export interface ScenarioServer {
  url: string;
  /** Requests received, in order. */
  received: Exchange[];
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** Starts the stand-in peer on a free loopback port. Requests that fail authentication get a 401. */
export async function startScenarioServer(): Promise<ScenarioServer> {
  let behaviour: Behaviour = honest;
  const received: Exchange[] = [];
  const nonces = new NonceWindow(systemClock.now() - 60_000);
  const server = http.createServer((request, response) => {
    response.on('error', () => undefined);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const check = verifyRequestHeaders({
        secrets: [SECRET],
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        knownNodeIds: new Set(['n1', 'n2']),
        selfId: 'n2',
        nonces,
        now: systemClock.now(),
      });
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        // refused below
      }
      if (!check.ok || sha256Hex(body) !== check.bodyDigest || !envelopeSchemas.request(parsed)) {
        response.writeHead(401).end();
        return;
      }
      const exchange = { request, response, batch: parsed, nonce: check.nonce };
      received.push(exchange);
      behaviour(exchange);
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    behave: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A router that knows the echo route and its answer schema, as the calling replica's does. */
export function echoRouter(): PeerRouter {
  const router = new PeerRouter();
  router.register(
    ECHO_ROUTE,
    {
      request: compileSchema<{ x: number }>(S.object({ x: S.int(0) })),
      answer: compileSchema(S.object({ x: S.int(0), by: S.string(8) })),
      lane: 'read',
    },
    async (body: { x: number }) => ({ x: body.x, by: 'n2' }),
  );
  return router;
}

/** The calling replica n1's channel, with n2 at `url`. */
export function channelTo(
  url: string,
  health = new PeerHealth('n1', ['n1', 'n2'], systemIds),
  peerTimeoutMs = PEER_TIMEOUT_MS,
  secrets: { signs: string; verifies: readonly string[] } = { signs: SECRET, verifies: [SECRET] },
): HttpPeerChannel {
  return new HttpPeerChannel(echoRouter(), {
    selfId: 'n1',
    peers: [
      { id: 'n1', url: 'http://127.0.0.1:9' },
      { id: 'n2', url },
    ],
    peerSecret: secrets.signs,
    verifiedSecrets: secrets.verifies,
    peerTimeoutMs,
    tls: null,
    clock: systemClock,
    health,
    log: () => undefined,
  });
}
