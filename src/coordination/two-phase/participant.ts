/**
 * What a replica does as a participant, implemented by the vault module (which owns the
 * state) and driven by coordination (which owns the protocol).
 */
export interface ParticipantVote {
  yes: boolean;
  /** Why not: 'locked' means another unfinished write holds one of the names. */
  reason?: string;
  /** Opaque to coordination: the participant's view, read by the coordinator's plan. */
  info: Record<string, unknown>;
}

export interface InDoubtTransaction {
  txId: string;
  coordinator: string;
}

export interface TransactionParticipant {
  prepare(txId: string, coordinator: string, payload: Record<string, unknown>): Promise<ParticipantVote>;
  /** Must be idempotent: a coordinator re-sends commits until it hears back. */
  commit(txId: string, decision: Record<string, unknown>): Promise<void>;
  /** Must be idempotent, and a no-op for a transaction it never prepared. */
  abort(txId: string): Promise<void>;
  /** Prepared transactions whose lock lease has run out: their outcome must be asked for. */
  listInDoubt(): Promise<InDoubtTransaction[]>;
}
