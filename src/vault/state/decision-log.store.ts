import { DataSource } from 'typeorm';
import { DecisionKind, DecisionRecord, DecisionStore } from '../../coordination/two-phase/decision-store';

interface DecisionRow {
  tx_id: string;
  decision: DecisionKind;
  payload: Record<string, unknown> | null;
  participants: string[];
  pending: string[];
}

const toRecord = (row: DecisionRow): DecisionRecord => ({
  txId: row.tx_id,
  decision: row.decision,
  payload: row.payload,
  participants: row.participants,
  pending: row.pending,
});

/** The decision log in this replica's schema (the coordination module's DecisionStore). */
export class DecisionLogStore implements DecisionStore {
  constructor(private readonly db: DataSource) {}

  async record(
    txId: string,
    decision: DecisionKind,
    payload: Record<string, unknown> | null,
    participants: string[],
  ): Promise<DecisionRecord> {
    // ON CONFLICT DO NOTHING + re-read: whoever inserted first decided.
    const inserted: DecisionRow[] = await this.db.query(
      `INSERT INTO decision_log (tx_id, decision, payload, participants, pending, completed_at)
       VALUES ($1, $2::varchar, $3, $4, $4, CASE WHEN $2::varchar = 'abort' THEN now() END)
       ON CONFLICT (tx_id) DO NOTHING
       RETURNING tx_id, decision, payload, participants, pending`,
      [txId, decision, payload === null ? null : JSON.stringify(payload), participants],
    );
    if (inserted.length > 0) return toRecord(inserted[0]);
    const existing = await this.get(txId);
    if (!existing) throw new Error(`decision for ${txId} vanished`);
    return existing;
  }

  async get(txId: string): Promise<DecisionRecord | null> {
    const [row]: DecisionRow[] = await this.db.query(
      `SELECT tx_id, decision, payload, participants, pending FROM decision_log WHERE tx_id = $1`,
      [txId],
    );
    return row ? toRecord(row) : null;
  }

  async listUnfinished(before: Date, limit: number): Promise<DecisionRecord[]> {
    const rows: DecisionRow[] = await this.db.query(
      `SELECT tx_id, decision, payload, participants, pending FROM decision_log
        WHERE completed_at IS NULL AND decision = 'commit' AND created_at < $1
        ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRecord);
  }

  async markAcknowledged(txId: string, peers: string[]): Promise<void> {
    await this.db.query(
      `UPDATE decision_log
          SET pending = ARRAY(SELECT p FROM unnest(pending) AS p WHERE p <> ALL($2::text[])),
              completed_at = CASE WHEN pending <@ $2::text[] THEN now() ELSE NULL END
        WHERE tx_id = $1 AND completed_at IS NULL`,
      [txId, peers],
    );
  }

  async purge(before: Date): Promise<number> {
    const result: [unknown[], number] = await this.db.query(
      `DELETE FROM decision_log WHERE completed_at IS NOT NULL AND completed_at < $1`,
      [before],
    );
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }
}
