import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The coordinator's decisions. The primary key makes the first decision the one that stands. */
@Entity({ name: 'decision_log' })
export class DecisionLogEntity {
  @PrimaryColumn({ name: 'tx_id', type: 'uuid' })
  txId: string;

  @Column({ type: 'varchar', length: 8 })
  decision: 'commit' | 'abort';

  /** What was decided (names, versions, revisions, times); never shares or values. */
  @Column({ type: 'jsonb', nullable: true })
  payload: Record<string, unknown> | null;

  /** The yes-voters, who must all get the decision. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  participants: string[];

  /** Yes-voters that have not confirmed yet. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  pending: string[];

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true })
  completedAt: Date | null;
}
