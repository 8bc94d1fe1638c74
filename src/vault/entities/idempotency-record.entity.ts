import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The outcome of a write sent with an Idempotency-Key, stored by every replica that
 * committed it. `request_hash` is an HMAC (keyed with the peer secret) of the request, so
 * a stolen table does not allow guessing low-entropy values offline; `response` never
 * holds a secret value.
 */
@Entity({ name: 'idempotency_record' })
export class IdempotencyRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 300 })
  scope: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey: string;

  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ type: 'jsonb' })
  response: Record<string, unknown>;

  @Column({ name: 'tx_id', type: 'uuid' })
  txId: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
