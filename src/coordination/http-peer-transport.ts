import { Injectable } from '@nestjs/common';
import { VaultConfig } from '../config';
import { currentRequestId } from '../common/request-context';
import { PeerCallError, PeerTransport } from './peer-transport';
import { PeerRouter } from './peer-router';
import { signPeerRequest } from './peer-signing';

export const INTERNAL_PREFIX = '/internal/';

/**
 * Peer calls over HTTP, each signed with the cluster's peer secret and bounded by
 * VAULT_PEER_TIMEOUT_MS. Node's fetch keeps connections alive, so a write costs no
 * connection set-up after the first. A call to this replica itself skips the network but
 * still goes through the router's validation, after a JSON round trip so that it sees
 * exactly what a remote replica would.
 */
@Injectable()
export class HttpPeerTransport implements PeerTransport {
  private readonly urls: Map<string, string>;

  constructor(
    private readonly config: VaultConfig,
    private readonly router: PeerRouter,
  ) {
    this.urls = new Map(config.peers.map((p) => [p.id, p.url]));
  }

  async call<T>(peerId: string, route: string, body: unknown, timeoutMs = this.config.peerTimeoutMs): Promise<T> {
    const payload = JSON.stringify(body ?? {});
    if (peerId === this.config.nodeId) return this.callSelf<T>(route, payload, timeoutMs);

    const base = this.urls.get(peerId);
    if (!base) throw new PeerCallError(peerId, route, 'rejected', 'unknown peer');
    const path = INTERNAL_PREFIX + route;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...signPeerRequest(this.config.peerSecret, this.config.nodeId, 'POST', path, payload),
    };
    const requestId = currentRequestId();
    if (requestId) headers['x-request-id'] = requestId;

    let response: Response;
    try {
      response = await fetch(base + path, {
        method: 'POST',
        headers,
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const failure = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
      throw new PeerCallError(peerId, route, failure, error instanceof Error ? causeOf(error) : String(error));
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new PeerCallError(peerId, route, 'timeout', 'answer cut off');
    }
    if (!response.ok) {
      throw new PeerCallError(peerId, route, 'rejected', `status ${response.status}`, response.status);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async callSelf<T>(route: string, payload: string, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PeerCallError(this.config.nodeId, route, 'timeout', 'local call too slow')),
        timeoutMs,
      );
    });
    try {
      const answer = await Promise.race([this.router.dispatch(route, JSON.parse(payload), this.config.nodeId), deadline]);
      return JSON.parse(JSON.stringify(answer ?? {})) as T;
    } catch (error) {
      if (error instanceof PeerCallError) throw error;
      throw new PeerCallError(this.config.nodeId, route, 'rejected', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
