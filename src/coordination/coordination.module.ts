import { Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { systemClock } from '../common/clock';
import { systemIds } from '../common/ids';
import { JsonLogger } from '../common/json-logger';
import { VaultConfig, verifiedPeerSecrets } from '../config';
import { HttpPeerChannel } from './channel/http-peer-channel';
import { InternalServer } from './channel/internal-server';
import { PeerHealth } from './peer-health';
import { PeerProber } from './peer-prober';
import { PeerRouter } from './peer-router';
import { PEER_TRANSPORT } from './peer-transport';

/** How often the background prober pings each peer. */
const PROBE_INTERVAL_MS = 1000;

@Injectable()
class ChannelLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly prober: PeerProber,
    @Inject(PEER_TRANSPORT) private readonly channel: HttpPeerChannel,
  ) {}

  onApplicationBootstrap(): void {
    this.prober.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prober.stop();
    this.channel.close();
  }
}

@Module({
  providers: [
    PeerRouter,
    { provide: PeerHealth, inject: [VaultConfig], useFactory: (c: VaultConfig) => new PeerHealth(c.nodeId, c.peers.map((p) => p.id), systemIds) },
    {
      provide: PEER_TRANSPORT,
      inject: [VaultConfig, PeerRouter, PeerHealth, JsonLogger],
      useFactory: (c: VaultConfig, router: PeerRouter, health: PeerHealth, logger: JsonLogger) =>
        new HttpPeerChannel(router, {
          selfId: c.nodeId,
          peers: c.peers,
          peerSecret: c.peerSecret,
          verifiedSecrets: verifiedPeerSecrets(c),
          peerTimeoutMs: c.peerTimeoutMs,
          tls: c.tls,
          clock: systemClock,
          health,
          log: (level, msg, fields) => logger.event(level, msg, fields),
        }),
    },
    {
      provide: InternalServer,
      inject: [VaultConfig, PeerRouter, JsonLogger],
      useFactory: (c: VaultConfig, router: PeerRouter, logger: JsonLogger) =>
        new InternalServer(router, {
          selfId: c.nodeId,
          peerIds: c.peers.map((p) => p.id),
          peerSecret: c.peerSecret,
          verifiedSecrets: verifiedPeerSecrets(c),
          requireClientCertificate: c.tls !== null,
          clock: systemClock,
          log: (level, msg, fields) => logger.event(level, msg, fields),
        }),
    },
    {
      provide: PeerProber,
      inject: [VaultConfig, PEER_TRANSPORT, PeerHealth, PeerRouter],
      useFactory: (c: VaultConfig, transport: HttpPeerChannel, health: PeerHealth, router: PeerRouter) =>
        new PeerProber(c.nodeId, c.peers.map((p) => p.id), transport, health, systemClock, Math.min(1000, c.peerTimeoutMs), PROBE_INTERVAL_MS, router),
    },
    ChannelLifecycle,
  ],
  exports: [PeerRouter, PEER_TRANSPORT, PeerHealth, PeerProber, InternalServer],
})
export class CoordinationModule {}
