import { callPeer, PeerTransport } from '../../coordination/peer-transport';
import { NameView, SyncRequest, VAULT_ROUTES } from '../protocol';

/**
 * Tells a replica that answered with an older view what the current state is (fire and
 * forget). This is how a replica that missed a delete hears of the tombstone at the next
 * write or read of that name, before the background sweep gets there. Only views read
 * from m unlocked replicas (chosen state) are ever sent.
 */
export function staleReplicaNotifier(transport: PeerTransport) {
  return (peerId: string, names: Array<{ name: string; view: NameView }>): void => {
    const request: SyncRequest = { names };
    void callPeer(transport, peerId, VAULT_ROUTES.sync, request);
  };
}
