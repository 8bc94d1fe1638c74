import { VaultError } from '../../common/errors';
import { InDoubtTransaction, ParticipantVote, TransactionParticipant } from '../../coordination/two-phase/participant';
import { CommitDecision, PreparePayload } from '../protocol';
import { manifestIsWellFormed, ReplicaStore } from '../state/replica-store';
import { validateMessage } from './validate-message';

/** This replica's participant role in the two-phase protocol, over its own store. */
export class ReplicaParticipant implements TransactionParticipant {
  constructor(
    private readonly store: ReplicaStore,
    private readonly lockTtlMs: number,
  ) {}

  async prepare(txId: string, coordinator: string, payload: Record<string, unknown>): Promise<ParticipantVote> {
    const message = validateMessage(PreparePayload, payload, 'prepare payload');
    const names = new Set(message.items.map((i) => i.name));
    if (names.size !== message.items.length) throw new VaultError('VALIDATION_FAILED', 'A name appears twice in one prepare.');
    for (const item of message.items) {
      const needsShare = item.op === 'create' || item.op === 'update';
      if (needsShare !== Boolean(item.share)) throw new VaultError('VALIDATION_FAILED', `Prepare item ${item.name}: share ${needsShare ? 'missing' : 'unexpected'}.`);
      if (item.share && !manifestIsWellFormed(item.share.manifest)) throw new VaultError('VALIDATION_FAILED', `Prepare item ${item.name}: bad manifest.`);
    }
    const vote = await this.store.prepare(txId, coordinator, message, this.lockTtlMs);
    return {
      yes: vote.yes,
      ...(vote.reason ? { reason: vote.reason } : {}),
      info: vote.info as unknown as Record<string, unknown>,
    };
  }

  async commit(txId: string, decision: Record<string, unknown>): Promise<void> {
    await this.store.commit(txId, validateMessage(CommitDecision, decision, 'commit decision'));
  }

  abort(txId: string): Promise<void> {
    return this.store.abort(txId);
  }

  listInDoubt(): Promise<InDoubtTransaction[]> {
    return this.store.listInDoubt();
  }
}
