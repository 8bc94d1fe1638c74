import { InDoubtTransaction, ParticipantVote, TransactionParticipant } from '../participant';

/**
 * A participant in memory: one lock per name with a lease, prepared entries, committed
 * entries. Enough to check the protocol's promises (nothing left locked or prepared) without
 * a database.
 */
export class FakeParticipant implements TransactionParticipant {
  readonly locks = new Map<string, { txId: string; coordinator: string; expiresAt: number }>();
  readonly prepared = new Map<string, { names: string[]; payload: Record<string, unknown> }>();
  readonly committed: Array<{ txId: string; decision: Record<string, unknown> }> = [];
  readonly aborted: string[] = [];

  constructor(
    readonly id: string,
    private readonly leaseMs = 1000,
  ) {}

  async prepare(txId: string, coordinator: string, payload: Record<string, unknown>): Promise<ParticipantVote> {
    const names = (payload.names as string[]) ?? [];
    const held = names.filter((n) => {
      const lock = this.locks.get(n);
      return lock && lock.txId !== txId;
    });
    if (held.length > 0) return { yes: false, reason: 'locked', info: { locked: held } };
    for (const name of names) this.locks.set(name, { txId, coordinator, expiresAt: Date.now() + this.leaseMs });
    this.prepared.set(txId, { names, payload });
    return { yes: true, info: { locked: [] } };
  }

  async commit(txId: string, decision: Record<string, unknown>): Promise<void> {
    if (!this.prepared.has(txId)) return;
    this.committed.push({ txId, decision });
    this.release(txId);
  }

  async abort(txId: string): Promise<void> {
    if (!this.prepared.has(txId)) return;
    this.aborted.push(txId);
    this.release(txId);
  }

  async listInDoubt(): Promise<InDoubtTransaction[]> {
    const now = Date.now();
    const seen = new Map<string, string>();
    for (const lock of this.locks.values()) if (lock.expiresAt < now) seen.set(lock.txId, lock.coordinator);
    return [...seen].map(([txId, coordinator]) => ({ txId, coordinator }));
  }

  expireLeases(): void {
    for (const lock of this.locks.values()) lock.expiresAt = 0;
  }

  private release(txId: string): void {
    this.prepared.delete(txId);
    for (const [name, lock] of this.locks) if (lock.txId === txId) this.locks.delete(name);
  }
}
