import { callPeer, PeerTransport } from '../../coordination/peer-transport';
import { SnapshotAnswer, SnapshotRequest, VAULT_ROUTES } from '../protocol';
import { ReplicaState } from '../state/replica-state';

const SNAPSHOT_PAGE = 500;

export interface CatchUpOptions {
  selfId: string;
  peerIds: readonly string[];
  m: number;
  lockTtlMs: number;
  transport: PeerTransport;
  state: ReplicaState;
  log: (level: 'debug' | 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

/**
 * A replica whose state is new, because the cluster is new or because its state was lost
 * (docs/model.md, "Lost state"), takes no part in reads, votes or consensus until it has
 * caught up:
 * - if n-m+1 other replicas are caught up, it reads their whole state and adopts the
 *   newest view of every name and the lock of every transaction they hold unfinished
 *   (every chosen write was accepted by m replicas, so at least m-1 of the others know it,
 *   and any n-m+1 of them include one of those);
 * - if every other replica answers and holds nothing at all (no name, no lock), there is
 *   nothing to learn (a new cluster, or one with no data yet): it starts empty. Hearing
 *   from all of them is what makes this safe: a chosen write sits on m replicas, and
 *   fewer than m can have lost their state.
 * Otherwise it waits: m or more replicas' state lost at once needs an operator.
 */
export class CatchUp {
  constructor(private readonly options: CatchUpOptions) {}

  /** One attempt; true once caught up. */
  async run(): Promise<boolean> {
    const { state, peerIds, selfId, m, log } = this.options;
    if (state.meta().caughtUp) return true;
    const others = peerIds.filter((id) => id !== selfId);
    const probes = await Promise.all(others.map((id) => this.page(id, '', 1).then((answer) => ({ id, answer }))));
    const caughtUp = probes.filter((p) => p.answer && !p.answer.catchingUp).map((p) => p.id);
    const needed = peerIds.length - m + 1;

    if (probes.every((p) => p.answer && p.answer.names.length === 0)) {
      await state.markCaughtUp(true);
      log('info', 'no replica holds any state: starting empty', { replicas: peerIds.length });
      return true;
    }
    if (caughtUp.length < needed) {
      log('debug', 'waiting for peers to catch up from', { caughtUp: caughtUp.length, needed });
      return false;
    }
    let adopted = 0;
    for (const peerId of caughtUp.slice(0, needed)) {
      let after = '';
      for (;;) {
        const answer = await this.page(peerId, after, SNAPSHOT_PAGE);
        if (!answer || answer.catchingUp) return false;
        adopted += await state.adopt(answer.names, this.options.lockTtlMs);
        if (answer.done || answer.names.length === 0) break;
        after = answer.names[answer.names.length - 1].name;
      }
    }
    await state.markCaughtUp(false);
    log('info', 'caught up from peers', { peers: needed, names: adopted });
    return true;
  }

  private async page(peerId: string, afterName: string, limit: number): Promise<SnapshotAnswer | null> {
    const request: SnapshotRequest = { afterName, limit };
    const result = await callPeer<SnapshotAnswer>(this.options.transport, peerId, VAULT_ROUTES.snapshot, request);
    return result.ok ? result.value : null;
  }
}
