import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VaultConfig } from '../config';
import { CoordinationModule } from '../coordination/coordination.module';
import { dataSourceOptions, openDatabase } from './database';
import { ReplicaServices } from './participant/replica-services';
import { DeleteSecret } from './secrets/delete-secret';
import { ReadStats } from './secrets/read-stats';
import { SecretReader } from './secrets/secret-reader';
import { SecretTransactions } from './secrets/secret-transactions';
import { StaleReplicaNotifier } from './secrets/stale-replicas';
import { WriteSecret } from './secrets/write-secret';
import { ApplyEnvFile } from './env/apply-env-file';
import { DatabaseHealth } from './database-health';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [VaultConfig],
      useFactory: (config: VaultConfig) => ({ ...dataSourceOptions(config), retryAttempts: 3, retryDelay: 1000 }),
      dataSourceFactory: async (options) => openDatabase(options!),
    }),
    CoordinationModule,
  ],
  providers: [
    ReplicaServices,
    { provide: ReadStats, useValue: new ReadStats() },
    StaleReplicaNotifier,
    SecretTransactions,
    SecretReader,
    WriteSecret,
    DeleteSecret,
    ApplyEnvFile,
    DatabaseHealth,
  ],
  exports: [SecretReader, WriteSecret, DeleteSecret, ApplyEnvFile, ReadStats, DatabaseHealth],
})
export class VaultModule {}
