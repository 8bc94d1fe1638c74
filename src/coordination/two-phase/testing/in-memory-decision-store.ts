import { DecisionKind, DecisionRecord, DecisionStore } from '../decision-store';

/** A decision log in memory, for unit tests: same first-insert-wins rule as the table. */
export class InMemoryDecisionStore implements DecisionStore {
  readonly records = new Map<string, DecisionRecord & { createdAt: number; completed: boolean }>();

  async record(txId: string, decision: DecisionKind, payload: Record<string, unknown> | null, participants: string[]): Promise<DecisionRecord> {
    const existing = this.records.get(txId);
    if (existing) return existing;
    const record = { txId, decision, payload, participants, pending: [...participants], createdAt: Date.now(), completed: decision === 'abort' };
    this.records.set(txId, record);
    return record;
  }

  async get(txId: string): Promise<DecisionRecord | null> {
    return this.records.get(txId) ?? null;
  }

  async listUnfinished(before: Date, limit: number): Promise<DecisionRecord[]> {
    return [...this.records.values()]
      .filter((r) => !r.completed && r.decision === 'commit' && r.createdAt < before.getTime())
      .slice(0, limit);
  }

  async markAcknowledged(txId: string, peers: string[]): Promise<void> {
    const record = this.records.get(txId);
    if (!record || record.completed) return;
    record.pending = record.pending.filter((p) => !peers.includes(p));
    record.completed = record.pending.length === 0;
  }

  async purge(): Promise<number> {
    return 0;
  }
}
