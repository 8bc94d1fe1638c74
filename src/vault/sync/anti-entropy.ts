import { callPeer, PeerTransport } from '../../coordination/peer-transport';
import { ChangesAnswer, ChangesRequest, VAULT_ROUTES } from '../protocol';
import { ReplicaState } from '../state/replica-state';

const SWEEP_PAGE = 500;

/**
 * The anti-entropy sweep: asks every other replica for the names it changed since the
 * last sweep and adopts every newer view. Tombstones are kept for good, so a replica back
 * from any outage still learns of a delete here and destroys its shares. A replica's
 * changes are numbered by its single writer in commit order, so a cursor never passes a
 * change that was not yet visible.
 */
export class AntiEntropy {
  private readonly cursors = new Map<string, number>();

  constructor(
    private readonly selfId: string,
    private readonly peerIds: readonly string[],
    private readonly transport: PeerTransport,
    private readonly state: ReplicaState,
    private readonly log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void,
  ) {}

  async sweep(): Promise<number> {
    const others = this.peerIds.filter((id) => id !== this.selfId);
    const adopted = await Promise.all(others.map((peerId) => this.sweepPeer(peerId)));
    return adopted.reduce((a, b) => a + b, 0);
  }

  private async sweepPeer(peerId: string): Promise<number> {
    const request: ChangesRequest = { afterSeq: this.cursors.get(peerId) ?? 0, limit: SWEEP_PAGE };
    const result = await callPeer<ChangesAnswer>(this.transport, peerId, VAULT_ROUTES.changes, request);
    if (!result.ok || result.value.catchingUp) return 0;
    const changes = result.value.changes;
    const newer = await this.state.newerThanLocal(changes.map((c) => ({ name: c.name, view: c.view })));
    const applied = newer.length > 0 ? await this.state.sync(newer) : 0;
    if (applied > 0) this.log('info', 'adopted newer state from peer', { peer: peerId, names: applied });
    if (changes.length > 0) this.cursors.set(peerId, changes[changes.length - 1].seq);
    return applied;
  }
}
