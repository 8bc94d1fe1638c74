import { DecisionLogEntity } from './decision-log.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { SecretStateEntity } from './secret-state.entity';
import { SecretVersionEntity } from './secret-version.entity';

export { DecisionLogEntity, IdempotencyRecordEntity, SecretStateEntity, SecretVersionEntity };
export const VAULT_ENTITIES = [SecretStateEntity, SecretVersionEntity, DecisionLogEntity, IdempotencyRecordEntity];
