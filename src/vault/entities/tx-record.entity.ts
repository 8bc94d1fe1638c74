import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What this replica knows of one transaction (docs/model.md): its vote, its acceptor state
 * in the transaction's consensus, and the outcome once learnt. Kept 24 hours after the
 * outcome, so that late messages about the transaction are answered consistently.
 */
@Entity({ name: 'tx_record' })
export class TxRecordEntity {
  @PrimaryColumn({ name: 'tx_id', type: 'uuid' })
  txId: string;

  @Column({ type: 'varchar', length: 63 })
  coordinator: string;

  /** When the coordinator began it, on the coordinator's clock. */
  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ type: 'text', array: true })
  names: string[];

  /** Names this replica stored a prepared share for. */
  @Column({ name: 'share_names', type: 'text', array: true })
  shareNames: string[];

  @Column({ type: 'varchar', length: 3, nullable: true })
  vote: 'yes' | null;

  /** When anyone may settle it if it is still unfinished (local clock). */
  @Column({ name: 'lease_expires_at', type: 'timestamptz', precision: 3, nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'promised_round', type: 'integer', nullable: true })
  promisedRound: number | null;

  @Column({ name: 'promised_node', type: 'varchar', length: 63, nullable: true })
  promisedNode: string | null;

  @Column({ name: 'accepted_round', type: 'integer', nullable: true })
  acceptedRound: number | null;

  @Column({ name: 'accepted_node', type: 'varchar', length: 63, nullable: true })
  acceptedNode: string | null;

  @Column({ name: 'accepted_value', type: 'varchar', length: 6, nullable: true })
  acceptedValue: 'commit' | 'abort' | null;

  /** The commit decision (names, versions, revisions, times); never shares or values. */
  @Column({ type: 'jsonb', nullable: true })
  decision: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 6, nullable: true })
  outcome: 'commit' | 'abort' | null;

  @Column({ name: 'decided_at', type: 'timestamptz', precision: 3, nullable: true })
  decidedAt: Date | null;
}
