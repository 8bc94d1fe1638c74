import { Inject, Injectable } from '@nestjs/common';
import { IsOptional } from 'class-validator';
import { VaultConfig } from '../config';
import { fanOut, PEER_TRANSPORT, PeerTransport } from './peer-transport';
import { PeerRouter } from './peer-router';

export interface PeerProbe {
  id: string;
  url: string;
  reachable: boolean;
  latencyMs: number | null;
}

class PingMessage {
  @IsOptional()
  note?: string;
}

export const PING_ROUTE = 'node/ping';

/** Which replicas answer right now, probed concurrently with a signed ping. */
@Injectable()
export class PeerDirectory {
  constructor(
    private readonly config: VaultConfig,
    @Inject(PEER_TRANSPORT) private readonly transport: PeerTransport,
    router: PeerRouter,
  ) {
    router.register(PING_ROUTE, PingMessage, async () => ({ nodeId: config.nodeId }));
  }

  async probeAll(timeoutMs = this.config.peerTimeoutMs): Promise<PeerProbe[]> {
    const started = new Map<string, number>();
    const finished = new Map<string, number>();
    const results = await fanOut(
      this.transport,
      this.config.peers.map((p) => p.id),
      PING_ROUTE,
      (peerId) => {
        started.set(peerId, performance.now());
        return {};
      },
      (result) => finished.set(result.peerId, performance.now()),
      timeoutMs,
    );
    return this.config.peers.map((peer) => {
      const result = results.find((r) => r.peerId === peer.id);
      const reachable = result?.ok === true;
      const latency = reachable ? (finished.get(peer.id) ?? 0) - (started.get(peer.id) ?? 0) : null;
      return { id: peer.id, url: peer.url, reachable, latencyMs: latency === null ? null : Math.round(latency * 10) / 10 };
    });
  }
}
