import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The bytes of this replica's share of one version, apart from the version's row so that
 * erasing destroyed shares rewrites only this narrow table (docs/storage.md). A destroyed
 * share has no row here.
 */
@Entity({ name: 'secret_share' })
export class SecretShareEntity {
  @PrimaryColumn({ name: 'version_id', type: 'uuid' })
  versionId: string;

  /** The share exactly as the Shamir library returned it (y bytes, then the x byte). */
  @Column({ type: 'bytea' })
  share: Buffer;

  /** The digest's salt: random, 16 bytes, kept only here beside the share (docs/security.md); NULL on splits written before salts. */
  @Column({ name: 'share_salt', type: 'bytea', nullable: true })
  shareSalt: Buffer | null;
}
