import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { ApiModule } from '../api/api.module';
import { RateLimiter } from '../api/rate-limiter';
import { VaultConfig } from '../config';
import { HttpPeerChannel } from '../coordination/channel/http-peer-channel';
import { InternalServer } from '../coordination/channel/internal-server';
import { CoordinationModule } from '../coordination/coordination.module';
import { PeerHealth } from '../coordination/peer-health';
import { PEER_TRANSPORT, PeerTransport } from '../coordination/peer-transport';
import { AuditLog } from '../vault/audit/audit-log';
import { poolOf } from '../vault/database';
import { Replica } from '../vault/replica';
import { REPLICA_STATE, ReplicaState, StateStore } from '../vault/state/replica-state';
import { VaultModule } from '../vault/vault.module';
import { Metrics } from './metrics';

/** Transactions in doubt looked at per scrape, at most. */
const IN_DOUBT_SCAN = 1000;

/**
 * The metrics read from what the replica already counts (docs/operations.md): read repair
 * and skipped shares, transaction outcomes, peers, queues, the read cache, the database
 * pool, transactions in doubt, the audit trail, tokens and rate limits.
 */
@Injectable()
class VaultCollectors {
  constructor(
    metrics: Metrics,
    config: VaultConfig,
    replica: Replica,
    health: PeerHealth,
    internal: InternalServer,
    @Inject(PEER_TRANSPORT) transport: PeerTransport,
    @Inject(REPLICA_STATE) state: ReplicaState,
    db: DataSource,
    audit: AuditLog,
    limiter: RateLimiter,
  ) {
    const peers = config.peers.map((p) => p.id).filter((id) => id !== config.nodeId);
    const store = state instanceof StateStore ? state : null;
    const pool = poolOf(db);

    // First of all: a scrape runs the collectors in the order they are registered, each
    // starting at once, and those below that query the database queue for a connection.
    // Read after them, `waiting` counted the scrape's own queries (3 on an idle replica,
    // which fired the pool alert on every healthy cluster: test/e2e/alerts.e2e-spec.ts).
    metrics.gauge('vault_db_pool_connections', 'The replica\'s Postgres pool: connections open (total), idle, and requests waiting for one.', ['state'], (g) => {
      g.set({ state: 'total' }, pool.totalCount);
      g.set({ state: 'idle' }, pool.idleCount);
      g.set({ state: 'waiting' }, pool.waitingCount);
    });

    // The cluster's shape, so that alert rules compare with it rather than carry a copy of it
    // (helm/vault/files/vault-alerts.yaml: the write quorum lost, say).
    metrics.gauge('vault_cluster_replicas', 'Replicas in the cluster (n).', [], (g) => g.set(config.n));
    metrics.gauge('vault_cluster_threshold', 'Shares that reconstruct a value (k).', [], (g) => g.set(config.k));
    metrics.gauge('vault_cluster_write_quorum', 'Yes votes a write needs (m).', [], (g) => g.set(config.m));

    metrics.counter('vault_transactions_total', 'Transactions this replica coordinated, by the phase that settled them and their outcome.', ['phase', 'outcome'], () =>
      [...replica.transactions.stats.outcomes].map(([key, value]) => {
        const [phase, outcome] = key.split('/');
        return [{ phase, outcome }, value];
      }),
    );
    metrics.gauge('vault_transactions_in_progress', 'Transactions started here and not finished (queued for a name included).', [], (g) => g.set(replica.transactions.inProgress));
    metrics.gauge('vault_transactions_in_doubt', 'Transactions this replica voted on whose lease ran out undecided (they are being settled).', [], async (g) => {
      g.set((await state.inDoubt(IN_DOUBT_SCAN)).length);
    });
    metrics.gauge('vault_transaction_in_doubt_oldest_age_seconds', 'Age of the oldest transaction in doubt here (0 when none).', [], async (g) => {
      const inDoubt = await state.inDoubt(IN_DOUBT_SCAN);
      const oldest = inDoubt.reduce((min, tx) => Math.min(min, tx.createdAt), Infinity);
      g.set(Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
    });

    metrics.counter('vault_read_repair_total', 'Read repairs this replica started, by result.', ['result'], () =>
      Object.entries(replica.stats.repair).map(([result, value]) => [{ result }, value]),
    );
    metrics.counter('vault_shares_skipped_total', 'Shares reads skipped: a bad digest or x-coordinate (corrupt), another split (foreign).', ['reason'], () => [
      [{ reason: 'corrupt' }, replica.stats.shares.corruptSkipped],
      [{ reason: 'foreign' }, replica.stats.shares.foreignSkipped],
    ]);

    metrics.gauge('vault_peer_up', 'Whether the peer answered its last call or probe (1) or not (0).', ['peer'], (g) => {
      for (const peer of peers) g.set({ peer }, health.reachable(peer) ? 1 : 0);
    });
    metrics.gauge('vault_peer_latency_seconds', 'Smoothed latency of calls and probes to the peer (an exponentially weighted mean).', ['peer'], (g) => {
      for (const peer of peers) {
        const ms = health.latencyMs(peer);
        if (ms !== null) g.set({ peer }, ms / 1000);
      }
    });
    metrics.counter('vault_peer_batches_served_total', 'Authenticated peer batches this replica served.', [], () => [[{}, internal.counters.batches]]);
    metrics.counter('vault_peer_messages_served_total', 'Peer messages in those batches (messages / batches is the mean batch size).', [], () => [[{}, internal.counters.messages]]);
    metrics.counter('vault_peer_requests_refused_total', 'Peer requests refused: unauthenticated, replayed, malformed or too large.', [], () => [[{}, internal.counters.refused]]);
    metrics.gauge('vault_peer_queue_depth', 'Peer messages waiting for a batch slot, over every peer and lane.', [], (g) => {
      g.set(transport instanceof HttpPeerChannel ? transport.queueDepth() : 0);
    });

    metrics.gauge('vault_state_writer_queue_depth', 'State changes waiting for the replica\'s single writer (the group commit).', [], (g) => g.set(store?.queuedCommands ?? 0));
    metrics.counter('vault_read_cache_total', 'Share fetches served from the read cache (hit) or the database (miss).', ['result'], () => [
      [{ result: 'hit' }, store?.cache.hits ?? 0],
      [{ result: 'miss' }, store?.cache.misses ?? 0],
    ]);
    // For sizing the database and its retention settings (docs/operations.md, "Sizing the
    // database"): one catalogue query per scrape, over this replica's few tables.
    metrics.gauge('vault_db_table_bytes', 'Size of each of this replica\'s tables with its indexes and TOAST (pg_total_relation_size).', ['table'], async (g) => {
      const { rows } = await pool.query<{ name: string; bytes: number }>(
        `SELECT c.relname AS name, pg_total_relation_size(c.oid)::float8 AS bytes
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'r'`,
        [config.dbSchema],
      );
      for (const row of rows) g.set({ table: row.name }, row.bytes);
    });

    metrics.counter('vault_audit_records_total', 'Audit records written, or not (each failure refused a request).', ['result'], () => [
      [{ result: 'written' }, audit.stats.written],
      [{ result: 'failed' }, audit.stats.failed],
    ]);
    metrics.gauge('vault_audit_queue_depth', 'Audit records waiting for the next INSERT.', [], (g) => g.set(audit.queued));
    new Histogram({
      name: 'vault_audit_batch_size',
      help: 'Audit records per INSERT (the group commit: more under load).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [metrics.registry],
      collect() {
        for (const size of audit.batchSizes.splice(0)) this.observe(size);
      },
    });

    metrics.counter('vault_token_lookups_total', 'Token checks by quorum read (the cache had no fresh entry).', [], () => [[{}, replica.authenticator.stats.lookups]]);
    metrics.counter('vault_token_cache_hits_total', 'Token checks answered from the cache.', [], () => [[{}, replica.authenticator.stats.cacheHits]]);
    metrics.counter('vault_auth_refused_total', 'Requests refused 401: no, unknown, expired or revoked token.', [], () => [[{}, replica.authenticator.stats.refused]]);
    metrics.counter('vault_rate_limited_total', 'Requests refused 429 by a token\'s rate limit.', [], () => [[{}, limiter.limited]]);
  }
}

@Global()
@Module({
  imports: [VaultModule, CoordinationModule, ApiModule],
  providers: [{ provide: Metrics, inject: [VaultConfig], useFactory: (config: VaultConfig) => new Metrics(config.nodeId) }, VaultCollectors],
  exports: [Metrics],
})
export class MetricsModule {}
