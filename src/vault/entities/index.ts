import { AuditRecordEntity } from './audit-record.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { ReplicaMetaEntity } from './replica-meta.entity';
import { SecretShareEntity } from './secret-share.entity';
import { SecretStateEntity } from './secret-state.entity';
import { SecretVersionEntity } from './secret-version.entity';
import { TxRecordEntity } from './tx-record.entity';

export { AuditRecordEntity, IdempotencyRecordEntity, ReplicaMetaEntity, SecretShareEntity, SecretStateEntity, SecretVersionEntity, TxRecordEntity };
export const VAULT_ENTITIES = [SecretStateEntity, SecretVersionEntity, SecretShareEntity, TxRecordEntity, IdempotencyRecordEntity, ReplicaMetaEntity, AuditRecordEntity];
