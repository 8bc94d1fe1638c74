import { Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemClock } from '../common/clock';
import { systemIds } from '../common/ids';
import { JsonLogger } from '../common/json-logger';
import { defaultSchemaFor, VaultConfig } from '../config';
import { CoordinationModule } from '../coordination/coordination.module';
import { PeerHealth } from '../coordination/peer-health';
import { PeerRouter } from '../coordination/peer-router';
import { PEER_TRANSPORT, PeerTransport } from '../coordination/peer-transport';
import { DatabaseHealth } from './database-health';
import { dataSourceOptions, openDatabase, poolOf, readableForeignSchemas } from './database';
import { plantedBugs, Replica } from './replica';
import { PostgresBackend } from './state/postgres-backend';
import { REPLICA_STATE, ReplicaState, StateStore } from './state/replica-state';
import { ApplyEnvFile } from './env/apply-env-file';
import { DeleteSecret } from './secrets/delete-secret';
import { ReadStats } from './secrets/read-stats';
import { SecretReader } from './secrets/secret-reader';
import { WriteSecret } from './secrets/write-secret';
import { AuditLog } from './audit/audit-log';
import { BackgroundLoop } from '../common/async';
import { TokenAuthenticator } from './tokens/token-authenticator';
import { TokenStore } from './tokens/token-store';

const DAY_MS = 24 * 60 * 60 * 1000;
const AUDIT_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Purges audit records past VAULT_AUDIT_RETENTION_DAYS, at boot and hourly. */
@Injectable()
class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: BackgroundLoop;

  constructor(audit: AuditLog, config: VaultConfig, logger: JsonLogger) {
    this.loop = new BackgroundLoop(
      AUDIT_PURGE_INTERVAL_MS,
      async () => {
        const purged = await audit.purge(Date.now() - config.auditRetentionDays * DAY_MS);
        if (purged > 0) logger.event('info', 'audit records purged', { purged, retentionDays: config.auditRetentionDays });
      },
      (error) => logger.event('warn', 'purging audit records failed', { error: error instanceof Error ? error.message : String(error) }),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}

@Injectable()
class ReplicaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly replica: Replica,
    private readonly db: DataSource,
    private readonly config: VaultConfig,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.replica.start();
    await this.warnIfLoginReadsOthers();
  }

  /** A login that can read another replica's shares turns one leaked URL into several shares. */
  private async warnIfLoginReadsOthers(): Promise<void> {
    const others = this.config.peers.filter((p) => p.id !== this.config.nodeId).map((p) => defaultSchemaFor(p.id));
    const { superuser, readable } = await readableForeignSchemas(this.db, others);
    if (superuser || readable.length > 0) {
      this.logger.event('warn', 'this replica\'s database login can read other replicas\' schemas: give each replica its own role (docs/configuration.md)', {
        superuser,
        readable,
      });
    }
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
            peerSecretAccepted: config.peerSecretAccepted,
            apiToken: config.apiToken,
            tokenCacheTtlMs: config.tokenCacheTtlMs,
            faultPoint: config.faultPoint,
            // Test-only (NODE_ENV=test, see the config): the fault suite's planted bugs.
            bugs: plantedBugs(config.testBug),
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
    fromReplica(TokenStore, (r) => r.tokens),
    fromReplica(TokenAuthenticator, (r) => r.authenticator),
    { provide: AuditLog, inject: [DataSource], useFactory: (db: DataSource) => new AuditLog(poolOf(db)) },
    AuditRetention,
    DatabaseHealth,
  ],
  exports: [SecretReader, WriteSecret, DeleteSecret, ApplyEnvFile, ReadStats, TokenStore, TokenAuthenticator, AuditLog, Replica, DatabaseHealth, REPLICA_STATE],
})
export class VaultModule {}
