import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { UnauthenticatedError } from '../common/errors';
import { VaultConfig } from '../config';
import { NonceCache } from './nonce-cache';
import { verifyPeerRequest } from './peer-signing';

export interface PeerRequest extends Request {
  rawBody?: Buffer;
  peerNodeId?: string;
}

/** Admits only calls signed with the cluster's peer secret, fresh, and never seen before. */
@Injectable()
export class PeerAuthGuard implements CanActivate {
  private readonly knownNodeIds: ReadonlySet<string>;

  constructor(
    private readonly config: VaultConfig,
    private readonly nonces: NonceCache,
  ) {
    this.knownNodeIds = new Set(config.peers.map((p) => p.id));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PeerRequest>();
    const result = verifyPeerRequest({
      secret: this.config.peerSecret,
      method: request.method,
      path: request.originalUrl,
      body: request.rawBody ?? Buffer.alloc(0),
      headers: request.headers,
      knownNodeIds: this.knownNodeIds,
      nonces: this.nonces,
    });
    if (!result.ok) throw new UnauthenticatedError(`Peer call refused: ${result.reason}.`);
    request.peerNodeId = result.nodeId;
    return true;
  }
}
