import http from 'node:http';
import https from 'node:https';
import { Batcher, Settled } from '../../common/batcher';
import { Clock, withDeadline } from '../../common/clock';
import { TlsMaterial } from '../../config';
import { PeerHealth } from '../peer-health';
import { Lane, PeerRouter } from '../peer-router';
import { CallOptions, PeerCallError, PeerTransport } from '../peer-transport';
import { envelopeSchemas, INTERNAL_BODY_LIMIT, INTERNAL_PATH, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from './envelope';
import { signRequest, verifyAnswer } from './peer-signing';

export interface HttpPeerChannelOptions {
  selfId: string;
  peers: ReadonlyArray<{ id: string; url: string }>;
  /** Signs this replica's requests. */
  peerSecret: string;
  /** Every secret a peer's answer may be signed with: `peerSecret` and VAULT_PEER_SECRET_ACCEPTED. */
  verifiedSecrets: readonly string[];
  peerTimeoutMs: number;
  tls: TlsMaterial | null;
  clock: Clock;
  health: PeerHealth;
  log: (level: 'info' | 'warn' | 'debug', msg: string, fields: Record<string, unknown>) => void;
  /** Idle connections to peers close after this; PEER_IDLE_SOCKET_MS unless a test shortens it. */
  idleSocketMs?: number;
}

/**
 * Batches in flight per peer and lane; more messages wait for one to come back, and leave
 * together. Reads keep one batch in flight: their batches grow from about 2 to 3 messages
 * under load, and fewer requests made reads about 20 % faster (docs/benchmarks.md). Writes
 * keep two: one more made no difference to their throughput. A free slot sends after the
 * I/O callbacks already due (`flushAfter: 'io'`), so that the messages of client requests
 * that arrived together share a batch: 3.2 to 4 messages per read batch, reads +12 to 16 %.
 */
const BATCHES_IN_FLIGHT: Record<Lane, number> = { read: 1, write: 2 };

/**
 * How long a kept-alive connection to a peer may sit idle before this replica closes it:
 * below the 65 s after which the peer's server closes it (main.ts), so that the caller
 * closes first and no batch is ever written to a connection the peer is closing at that
 * moment (which would fail it as unreachable).
 */
export const PEER_IDLE_SOCKET_MS = 60_000;

/** Kept-alive connections to peers, presenting this replica's certificate when TLS is on. */
function peerAgent(tls: TlsMaterial | null, idleSocketMs: number): http.Agent {
  const options = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: BATCHES_IN_FLIGHT.read + BATCHES_IN_FLIGHT.write + 2,
    scheduling: 'lifo' as const,
    // The agent's socket timeout closes a socket that times out while free (an idle one);
    // a batch in flight has its own, shorter deadline.
    timeout: idleSocketMs,
  };
  return tls ? new https.Agent({ ...options, cert: tls.cert, key: tls.key, ca: tls.ca }) : new http.Agent(options);
}

interface Outgoing {
  route: string;
  /** The message, serialised once when it is queued. */
  json: string;
}

/**
 * The peer channel (docs/model.md, "The peer channel"). Messages for the same peer and
 * lane that are ready at the same moment travel in one signed HTTP request over a
 * kept-alive connection (mutual TLS when configured); an idle channel sends a message at
 * once. Every answer must carry the peer's signature bound to our request's nonce, parse,
 * and match its route's schema; anything else counts as that peer failing the call, never
 * as an exception elsewhere. A call's deadline counts from when its batch is sent. Calls
 * to this replica itself are dispatched in-process, without serialising anything.
 */
export class HttpPeerChannel implements PeerTransport {
  private readonly links = new Map<string, Record<Lane, Batcher<Outgoing, unknown>>>();
  private agent: http.Agent;
  /** Pools replaced by a TLS reload whose batches may still be in flight; close() ends them too. */
  private readonly retired = new Set<http.Agent>();

  constructor(
    private readonly router: PeerRouter,
    private readonly options: HttpPeerChannelOptions,
  ) {
    this.agent = peerAgent(options.tls, options.idleSocketMs ?? PEER_IDLE_SOCKET_MS);
    for (const peer of options.peers) {
      if (peer.id === options.selfId) continue;
      const lane = (name: Lane) =>
        new Batcher<Outgoing, unknown>((batch) => this.send(peer, batch), {
          maxInFlight: BATCHES_IN_FLIGHT[name],
          flushAfter: 'io',
          maxItems: MAX_BATCH_MESSAGES,
          maxWeight: MAX_BATCH_BYTES,
          weigh: (message) => message.json.length,
        });
      this.links.set(peer.id, { read: lane('read'), write: lane('write') });
    }
  }

  async call<T>(peerId: string, route: string, body: unknown, options: CallOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.peerTimeoutMs;
    if (peerId === this.options.selfId) return this.callSelf<T>(route, body, timeoutMs);
    const link = this.links.get(peerId);
    if (!link) throw new PeerCallError(peerId, route, 'rejected', 'unknown peer');
    const pending = link[this.router.laneOf(route)].submit({ route, json: JSON.stringify(body ?? {}) }) as Promise<T>;
    // The batch has its own deadline from when it is sent; a shorter one of this call's own counts from now.
    if (timeoutMs >= this.options.peerTimeoutMs) return pending;
    return withDeadline(this.options.clock, pending, timeoutMs, () => new PeerCallError(peerId, route, 'timeout', `no answer in ${timeoutMs} ms`));
  }

  /** Queued and in-flight batches, for backpressure and metrics. */
  queueDepth(): number {
    let depth = 0;
    for (const link of this.links.values()) depth += link.read.queued + link.write.queued;
    return depth;
  }

  /**
   * Reloaded TLS material (config/tls-reloader.ts): new connections to peers present the
   * new certificate and trust the new CA. Batches in flight finish on the connections they
   * have; the old agent's idle connections close now, and its busy ones when their batch is
   * answered, so none lingers with the old certificate.
   */
  useTls(tls: TlsMaterial): void {
    const old = this.agent;
    this.agent = peerAgent(tls, this.options.idleSocketMs ?? PEER_IDLE_SOCKET_MS);
    old.maxFreeSockets = 0;
    for (const sockets of Object.values(old.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    for (const agent of this.retired) if (Object.keys(agent.sockets).length === 0) this.retired.delete(agent);
    this.retired.add(old);
  }

  close(): void {
    this.agent.destroy();
    for (const agent of this.retired) agent.destroy();
    this.retired.clear();
  }

  private async callSelf<T>(route: string, body: unknown, timeoutMs: number): Promise<T> {
    const work = this.router.dispatch(route, body ?? {}, this.options.selfId).catch((error: unknown) => {
      throw new PeerCallError(this.options.selfId, route, 'rejected', error instanceof Error ? error.message : String(error));
    });
    return withDeadline(this.options.clock, work as Promise<T>, timeoutMs, () => new PeerCallError(this.options.selfId, route, 'timeout', 'local call too slow'));
  }

  /** One batch as one signed request; one result per message. Never rejects. */
  private async send(peer: { id: string; url: string }, batch: Outgoing[]): Promise<Array<Settled<unknown>>> {
    const { clock, health } = this.options;
    const body = Buffer.from(`{"m":[${batch.map((m, i) => `{"i":${i},"r":${JSON.stringify(m.route)},"b":${m.json}}`).join(',')}]}`, 'utf8');
    const signed = signRequest(this.options.peerSecret, this.options.selfId, peer.id, 'POST', INTERNAL_PATH, body, clock.now());
    const started = clock.now();
    const failAll = (failure: PeerCallError['failure'], detail: string, status?: number) => {
      if (failure !== 'rejected') health.failure(peer.id);
      this.options.log('debug', 'peer batch failed', { peer: peer.id, failure, detail, messages: batch.length });
      return batch.map((m): Settled<unknown> => ({ ok: false, error: new PeerCallError(peer.id, m.route, failure, detail, status) }));
    };

    let reply: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      reply = await this.post(peer.url, body, signed.headers);
    } catch (error) {
      const detail = error instanceof Error ? (error as NodeJS.ErrnoException).code ?? error.message : String(error);
      return failAll(detail === 'TIMEOUT' ? 'timeout' : 'unreachable', detail);
    }
    if (!verifyAnswer(this.options.verifiedSecrets, peer.id, signed.nonce, reply.status, reply.headers, reply.body)) {
      return failAll('invalid-answer', `unsigned or tampered answer (status ${reply.status})`, reply.status);
    }
    if (reply.status !== 200) return failAll('rejected', `status ${reply.status}`, reply.status);
    let parsed: unknown;
    try {
      parsed = JSON.parse(reply.body.toString('utf8'));
    } catch {
      return failAll('invalid-answer', 'answer is not JSON');
    }
    if (!envelopeSchemas.answer(parsed)) return failAll('invalid-answer', `malformed answer: ${envelopeSchemas.answer.problem()}`);
    health.success(peer.id, clock.now() - started, clock.now());
    const byIndex = new Map(parsed.a.map((result) => [result.i, result]));
    return batch.map((message, i): Settled<unknown> => {
      const result = byIndex.get(i);
      if (!result) return { ok: false, error: new PeerCallError(peer.id, message.route, 'invalid-answer', 'no result for this message') };
      if (!result.ok) return { ok: false, error: new PeerCallError(peer.id, message.route, 'rejected', `${result.code}: ${result.message}`) };
      if (!this.router.answerIsValid(message.route, result.v)) {
        const problem = this.router.answerProblem(message.route);
        this.options.log('warn', 'peer answer failed its schema', { peer: peer.id, route: message.route, problem });
        return { ok: false, error: new PeerCallError(peer.id, message.route, 'invalid-answer', problem) };
      }
      return { ok: true, value: result.v };
    });
  }

  private post(base: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const url = new URL(INTERNAL_PATH, base);
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const req = request(
        url,
        { method: 'POST', agent: this.agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > INTERNAL_BODY_LIMIT) fail(new Error('answer too large'));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) });
          });
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('answer cut off')));
        },
      );
      const timer = setTimeout(() => fail(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })), this.options.peerTimeoutMs);
      timer.unref();
      req.on('error', fail);
      req.end(body);
    });
  }
}
