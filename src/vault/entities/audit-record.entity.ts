import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One stage of one request, appended by this replica before it acts (`request`, changes
 * only) and before it answers (`response`); see docs/security.md, "Audit". Never a value
 * or a token. Written and read with plain SQL (src/vault/audit/audit-log.ts).
 */
@Entity({ name: 'audit_log' })
export class AuditRecordEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Column({ type: 'varchar', length: 8 })
  stage: 'request' | 'response';

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  @Column({ name: 'token_id', type: 'varchar', length: 32, nullable: true })
  tokenId: string | null;

  @Column({ name: 'token_name', type: 'varchar', length: 64, nullable: true })
  tokenName: string | null;

  @Column({ type: 'varchar', length: 300 })
  operation: string;

  @Column({ name: 'secret_name', type: 'varchar', length: 128, nullable: true })
  secretName: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  names: string[] | null;

  @Column({ type: 'integer', nullable: true })
  version: number | null;

  @Column({ type: 'smallint', nullable: true })
  status: number | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  code: string | null;

  @Column({ name: 'client_address', type: 'varchar', length: 64, nullable: true })
  clientAddress: string | null;

  @Column({ name: 'duration_ms', type: 'real', nullable: true })
  durationMs: number | null;
}
