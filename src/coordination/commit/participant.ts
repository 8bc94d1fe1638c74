import { Ballot, Outcome } from './ballot';
import { AcceptReply, PromiseReply } from './acceptor';

/** What identifies a transaction to every replica, whoever runs its ballots. */
export interface TxHeader {
  txId: string;
  /** The replica that prepared it (owner of ballot 0). */
  coordinator: string;
  /** When the coordinator began it, on the coordinator's clock (ms since epoch). */
  createdAt: number;
  /** The names it touches (opaque to coordination; the vault locks them). */
  names: string[];
}

export interface ParticipantVote {
  yes: boolean;
  /** Why not: 'locked' means another unfinished transaction holds one of the names. */
  reason?: string;
  /** Opaque to coordination: the participant's view, read by the coordinator's plan. */
  info: Record<string, unknown>;
}

/**
 * What a replica does in the protocol, implemented by the vault module (which owns the
 * state) and driven by coordination (which owns the protocol). Every method is durable
 * before it answers.
 */
export interface CommitParticipant {
  /** Votes on the transaction; a yes stores the prepared state and takes the names' locks. */
  prepare(header: TxHeader, payload: Record<string, unknown>): Promise<ParticipantVote>;
  /** Phase 1 of a recovery ballot. */
  promise(header: TxHeader, ballot: Ballot): Promise<PromiseReply>;
  /** Phase 2: accepting commit also takes (or keeps) the decision's locks until the outcome is known. */
  accept(header: TxHeader, ballot: Ballot, value: Outcome, decision: Record<string, unknown> | null): Promise<AcceptReply>;
  /** Applies a CHOSEN outcome; idempotent, also for a transaction this replica never saw. */
  decide(header: TxHeader, outcome: Outcome, decision: Record<string, unknown> | null): Promise<void>;
  /** Transactions that hold locks here past their lease: they must be settled. */
  inDoubt(limit: number): Promise<TxHeader[]>;
  /** Drops a transaction locally, without claiming any outcome (see docs/model.md, "Stale transactions"). */
  abandon(header: TxHeader): Promise<void>;
}
