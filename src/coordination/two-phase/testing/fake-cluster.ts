import { InMemoryNetwork } from '../../in-memory-peer-transport';
import { answerDecisionQuery, CoordinatorOptions, TwoPhaseCoordinator } from '../coordinator';
import { TX_ROUTES } from '../messages';
import { FakeParticipant } from './fake-participant';
import { InMemoryDecisionStore } from './in-memory-decision-store';

export interface FakeNode {
  id: string;
  participant: FakeParticipant;
  store: InMemoryDecisionStore;
  coordinator: TwoPhaseCoordinator;
}

/** n replicas wired through an in-memory network, each with both protocol roles. */
export function fakeCluster(n: number, options: Partial<CoordinatorOptions> = {}): { network: InMemoryNetwork; nodes: FakeNode[] } {
  const network = new InMemoryNetwork();
  const ids = Array.from({ length: n }, (_, i) => `r${i + 1}`);
  const nodes = ids.map((id): FakeNode => {
    const participant = new FakeParticipant(id);
    const store = new InMemoryDecisionStore();
    const coordinator = new TwoPhaseCoordinator(network.transport(id), store, {
      selfId: id,
      peerIds: ids,
      peerTimeoutMs: 50,
      lockWaitMs: 100,
      ...options,
    });
    return { id, participant, store, coordinator };
  });
  for (const node of nodes) {
    network.register(node.id, async (route, body) => {
      const message = body as { txId: string; coordinator: string; payload: Record<string, unknown>; decision: Record<string, unknown> };
      switch (route) {
        case TX_ROUTES.prepare:
          return node.participant.prepare(message.txId, message.coordinator, message.payload);
        case TX_ROUTES.commit:
          await node.participant.commit(message.txId, message.decision);
          return { ok: true };
        case TX_ROUTES.abort:
          await node.participant.abort(message.txId);
          return { ok: true };
        case TX_ROUTES.decision:
          return answerDecisionQuery(node.store, message.txId);
        default:
          throw new Error(`no route ${route}`);
      }
    });
  }
  return { network, nodes };
}
