import { Inject, Injectable } from '@nestjs/common';
import { JsonLogger } from '../../common/json-logger';
import { PEER_TRANSPORT, PeerTransport } from '../../coordination/peer-transport';
import { NameView, SyncRequest, VAULT_ROUTES } from '../protocol';

/**
 * Tells a replica that answered with an older view what the current state is (fire and
 * forget). This is how a replica that missed a delete hears of the tombstone at the next
 * write or read of that name, before the background sweep gets there.
 */
@Injectable()
export class StaleReplicaNotifier {
  constructor(
    @Inject(PEER_TRANSPORT) private readonly transport: PeerTransport,
    private readonly logger: JsonLogger,
  ) {}

  notify(peerId: string, names: Array<{ name: string; view: NameView }>): void {
    const request: SyncRequest = { names };
    this.transport.call(peerId, VAULT_ROUTES.sync, request).catch((error) =>
      this.logger.event('debug', 'stale replica not told', { peer: peerId, error: String(error) }),
    );
  }
}
