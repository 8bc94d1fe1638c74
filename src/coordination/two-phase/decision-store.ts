/**
 * The coordinator's durable decision log. The first decision recorded for a transaction
 * wins: a coordinator deciding commit and a participant's "no decision? then abort" race
 * safely on the primary key.
 */
export const DECISION_STORE = Symbol('DECISION_STORE');

export type DecisionKind = 'commit' | 'abort';

export interface DecisionRecord {
  txId: string;
  decision: DecisionKind;
  payload: Record<string, unknown> | null;
  participants: string[];
  pending: string[];
}

export interface DecisionStore {
  /** Records `decision` unless one exists; returns the decision that stands. */
  record(
    txId: string,
    decision: DecisionKind,
    payload: Record<string, unknown> | null,
    participants: string[],
  ): Promise<DecisionRecord>;
  get(txId: string): Promise<DecisionRecord | null>;
  /** Commit decisions some participant has not yet acknowledged, decided before `before`. */
  listUnfinished(before: Date, limit: number): Promise<DecisionRecord[]>;
  /** Removes `peers` from the pending list; the decision is finished when none are left. */
  markAcknowledged(txId: string, peers: string[]): Promise<void>;
  /** Deletes finished decisions and aborts older than `before`. */
  purge(before: Date): Promise<number>;
}
