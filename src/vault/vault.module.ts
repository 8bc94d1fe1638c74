import { Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemClock } from '../common/clock';
import { systemIds } from '../common/ids';
import { JsonLogger } from '../common/json-logger';
import { VaultConfig } from '../config';
import { CoordinationModule } from '../coordination/coordination.module';
import { PeerHealth } from '../coordination/peer-health';
import { PeerRouter } from '../coordination/peer-router';
import { PEER_TRANSPORT, PeerTransport } from '../coordination/peer-transport';
import { DatabaseHealth } from './database-health';
import { dataSourceOptions, openDatabase, poolOf } from './database';
import { Replica } from './replica';
import { PostgresBackend } from './state/postgres-backend';
import { REPLICA_STATE, ReplicaState, StateStore } from './state/replica-state';
import { ApplyEnvFile } from './env/apply-env-file';
import { DeleteSecret } from './secrets/delete-secret';
import { ReadStats } from './secrets/read-stats';
import { SecretReader } from './secrets/secret-reader';
import { WriteSecret } from './secrets/write-secret';

@Injectable()
class ReplicaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly replica: Replica) {}

  onApplicationBootstrap(): void {
    this.replica.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replica.stop();
  }
}

const fromReplica = <T>(token: abstract new (...args: never[]) => T, pick: (replica: Replica) => T) => ({
  provide: token,
  inject: [Replica],
  useFactory: pick,
});

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
    {
      provide: REPLICA_STATE,
      inject: [DataSource, VaultConfig],
      useFactory: async (db: DataSource, config: VaultConfig): Promise<ReplicaState> => {
        const state = new StateStore(new PostgresBackend(poolOf(db)), config.nodeId, systemClock, systemIds);
        await state.start();
        return state;
      },
    },
    {
      provide: Replica,
      inject: [VaultConfig, REPLICA_STATE, PEER_TRANSPORT, PeerRouter, PeerHealth, JsonLogger],
      useFactory: (config: VaultConfig, state: ReplicaState, transport: PeerTransport, router: PeerRouter, health: PeerHealth, logger: JsonLogger) =>
        new Replica(
          {
            selfId: config.nodeId,
            peerIds: config.peers.map((p) => p.id),
            n: config.n,
            k: config.k,
            m: config.m,
            b: config.b,
            peerTimeoutMs: config.peerTimeoutMs,
            lockTtlMs: config.lockTtlMs,
            sweepIntervalMs: config.sweepIntervalMs,
            peerSecret: config.peerSecret,
            faultPoint: config.faultPoint,
            // Test-only (NODE_ENV=test, see the config): the fault suite's planted bugs.
            bugs:
              config.testBug === 'reader-ignores-locks'
                ? { readerIgnoresLocks: true }
                : config.testBug === 'abort-at-lease-end'
                  ? { abortAtLeaseEnd: true }
                  : undefined,
          },
          { state, transport, router, health, clock: systemClock, ids: systemIds, log: (level, msg, fields) => logger.event(level, msg, fields) },
        ),
    },
    ReplicaLifecycle,
    fromReplica(SecretReader, (r) => r.reader),
    fromReplica(WriteSecret, (r) => r.writer),
    fromReplica(DeleteSecret, (r) => r.deleter),
    fromReplica(ApplyEnvFile, (r) => r.env),
    fromReplica(ReadStats, (r) => r.stats),
    DatabaseHealth,
  ],
  exports: [SecretReader, WriteSecret, DeleteSecret, ApplyEnvFile, ReadStats, DatabaseHealth, REPLICA_STATE],
})
export class VaultModule {}
