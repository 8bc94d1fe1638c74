import { InDoubtTransaction, ParticipantVote, TransactionParticipant } from './participant';

const REMEMBER_ABORTS_MS = 60_000;

/**
 * Refuses a prepare whose abort already arrived. A coordinator aborts a replica whose vote
 * did not come back in time; on a slow replica that abort can overtake the prepare, which
 * would then take the name's lock for a transaction nobody will finish, until its lease
 * runs out. Remembering recent aborts closes that gap.
 */
export class AbortGuardParticipant implements TransactionParticipant {
  private readonly recentAborts = new Map<string, number>();

  constructor(private readonly inner: TransactionParticipant) {}

  async prepare(txId: string, coordinator: string, payload: Record<string, unknown>): Promise<ParticipantVote> {
    if (this.wasAborted(txId)) return { yes: false, reason: 'aborted', info: {} };
    return this.inner.prepare(txId, coordinator, payload);
  }

  commit(txId: string, decision: Record<string, unknown>): Promise<void> {
    return this.inner.commit(txId, decision);
  }

  async abort(txId: string): Promise<void> {
    this.recentAborts.set(txId, Date.now());
    await this.inner.abort(txId);
  }

  listInDoubt(): Promise<InDoubtTransaction[]> {
    return this.inner.listInDoubt();
  }

  private wasAborted(txId: string): boolean {
    const now = Date.now();
    // Oldest first (insertion order): drop the expired ones.
    for (const [id, at] of this.recentAborts) {
      if (now - at < REMEMBER_ABORTS_MS) break;
      this.recentAborts.delete(id);
    }
    return this.recentAborts.has(txId);
  }
}
