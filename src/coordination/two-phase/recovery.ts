import { fanOut, PeerTransport } from '../peer-transport';
import { DecisionStore } from './decision-store';
import { TwoPhaseCoordinator } from './coordinator';
import { DecisionAnswer, TX_ROUTES, TxIdMessage } from './messages';
import { TransactionParticipant } from './participant';

/**
 * Coordinator side: re-sends every commit decision to the yes-voters that have not
 * confirmed it, until all have. This is what finishes a write that answered
 * WRITING_PHASE_FAILED, and a write whose coordinator crashed after deciding.
 */
export async function completeUnfinishedCommits(
  store: DecisionStore,
  coordinator: TwoPhaseCoordinator,
  olderThanMs: number,
): Promise<number> {
  const unfinished = await store.listUnfinished(new Date(Date.now() - olderThanMs), 100);
  let completed = 0;
  for (const record of unfinished) {
    const acks = await coordinator.sendCommit(record.txId, record.payload ?? {}, record.pending);
    if (acks.length > 0) await store.markAcknowledged(record.txId, acks);
    if (acks.length === record.pending.length) completed++;
  }
  return completed;
}

/**
 * Participant side: a prepared transaction whose lease ran out is settled by asking its
 * coordinator. A coordinator that does not answer is NOT a "no decision": it may have
 * decided commit and told others, so the transaction stays in doubt (and its names locked
 * for writes) until the coordinator answers.
 */
export async function resolveInDoubt(
  participant: TransactionParticipant,
  transport: PeerTransport,
): Promise<{ committed: number; aborted: number; unresolved: number }> {
  const inDoubt = await participant.listInDoubt();
  const tally = { committed: 0, aborted: 0, unresolved: 0 };
  if (inDoubt.length === 0) return tally;

  const byCoordinator = new Map<string, string[]>();
  for (const tx of inDoubt) byCoordinator.set(tx.coordinator, [...(byCoordinator.get(tx.coordinator) ?? []), tx.txId]);

  await Promise.all(
    [...byCoordinator].map(async ([coordinatorId, txIds]) => {
      for (const txId of txIds) {
        const [answer] = await fanOut<DecisionAnswer>(transport, [coordinatorId], TX_ROUTES.decision, (): TxIdMessage => ({ txId }));
        if (!answer.ok) {
          tally.unresolved++;
          continue;
        }
        if (answer.value.decision === 'commit') {
          await participant.commit(txId, answer.value.payload ?? {});
          tally.committed++;
        } else {
          await participant.abort(txId);
          tally.aborted++;
        }
      }
    }),
  );
  return tally;
}
