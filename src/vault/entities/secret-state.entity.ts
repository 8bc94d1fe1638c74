import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per name this replica has heard of: its committed state (the "view" voted with)
 * and the name's lock. A deleted name keeps its row as a tombstone for good: a replica
 * returning from any outage then still finds a higher revision than its own, so the old
 * lifetime can never come back (a deleted name revived by a stale replica: docs/model.md, "Delete").
 */
@Entity({ name: 'secret_state' })
export class SecretStateEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  name: string;

  @Column({ name: 'lifetime_id', type: 'uuid', nullable: true })
  lifetimeId: string | null;

  /** Bumped by every committed create, update and delete of the name. */
  @Column({ type: 'bigint', default: 0 })
  revision: string;

  @Column({ type: 'varchar', length: 16, default: 'absent' })
  status: 'absent' | 'live' | 'deleted';

  @Column({ name: 'current_version', type: 'integer', default: 0 })
  currentVersion: number;

  @Column({ name: 'last_valid_from', type: 'timestamptz', precision: 3, nullable: true })
  lastValidFrom: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  deletedAt: Date | null;

  /** The unfinished transaction holding the name here (its lease and state are in tx_record). */
  @Column({ name: 'lock_tx', type: 'uuid', nullable: true })
  lockTx: string | null;

  /** From this replica's change counter, set on every change: peers sweep for changes past a cursor. */
  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
