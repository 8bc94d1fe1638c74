import { Module } from '@nestjs/common';
import { HttpPeerTransport } from './http-peer-transport';
import { InternalController } from './internal.controller';
import { NonceCache } from './nonce-cache';
import { PeerAuthGuard } from './peer-auth.guard';
import { PEER_TRANSPORT } from './peer-transport';
import { PeerRouter } from './peer-router';
import { PeerDirectory } from './peer-directory';
import { TwoPhaseService } from './two-phase/two-phase.service';

@Module({
  controllers: [InternalController],
  providers: [
    PeerRouter,
    { provide: NonceCache, useFactory: () => new NonceCache() },
    PeerAuthGuard,
    HttpPeerTransport,
    { provide: PEER_TRANSPORT, useExisting: HttpPeerTransport },
    TwoPhaseService,
    PeerDirectory,
  ],
  exports: [PeerRouter, PEER_TRANSPORT, TwoPhaseService, PeerDirectory],
})
export class CoordinationModule {}
