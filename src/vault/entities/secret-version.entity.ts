import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * This replica's share of one version of a name (docs/storage.md); the share's bytes and
 * salt are in `secret_share`. A prepared row has no version yet; commit gives it one.
 * Destroying a share deletes its bytes and nulls its digest.
 */
@Entity({ name: 'secret_version' })
export class SecretVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ name: 'lifetime_id', type: 'uuid', nullable: true })
  lifetimeId: string | null;

  @Column({ type: 'integer', nullable: true })
  version: number | null;

  @Column({ name: 'split_id', type: 'uuid' })
  splitId: string;

  /** SHA-256(salt || share), as the manifest records it for this replica. */
  @Column({ name: 'share_digest', type: 'char', length: 64, nullable: true })
  shareDigest: string | null;

  /** Every replica's x-coordinate and share digest for this split (no share bytes), packed (state/manifest-codec.ts). */
  @Column({ type: 'bytea' })
  manifest: Buffer;

  @Column({ name: 'valid_from', type: 'timestamptz', precision: 3, nullable: true })
  validFrom: Date | null;

  @Column({ name: 'valid_to', type: 'timestamptz', precision: 3, nullable: true })
  validTo: Date | null;

  @Column({ type: 'varchar', length: 16 })
  state: 'prepared' | 'committed' | 'destroyed';

  @Column({ name: 'tx_id', type: 'uuid' })
  txId: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
