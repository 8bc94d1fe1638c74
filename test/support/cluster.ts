import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { ReplicaProcess as ReplicaProcessType } from '../../src/cluster/replica-process';
import { e2eDatabaseUrl } from './e2e-database';
import { ClientTls, VaultClient } from './http';
import { freePort } from './ports';
import { queryInSchema } from './schema-query';
import { createTestCa, IssuedCertificate, TestCa } from './tls';

// The compiled launcher code: the suites run the very replicas `npm start` runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { clusterReplicas } = require('../../dist/cluster/replica-process') as typeof import('../../src/cluster/replica-process');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { provisionReplicaLogins, dropReplicaLogins } = require('../../dist/cluster/roles') as typeof import('../../src/cluster/roles');

export interface TestClusterOptions {
  n: number;
  k?: number;
  m?: number;
  b?: number;
  lockTtlMs?: number;
  peerTimeoutMs?: number;
  sweepIntervalMs?: number;
  /** Extra variables per replica index (0-based). */
  extraEnv?: Record<number, Record<string, string>>;
  /**
   * Serve HTTPS with mutual TLS between replicas: the suite makes a throwaway CA and one
   * certificate per replica (VAULT_TLS_CERT, VAULT_TLS_KEY, VAULT_TLS_CA), and peers call
   * each other at https URLs. Clients from `client()` trust that CA.
   */
  tls?: boolean;
  /** Give every replica a separate listener for the peer API (VAULT_PEER_PORT). */
  peerPort?: boolean;
  /** Give every replica a metrics listener (VAULT_METRICS_PORT): `metricsUrl(i)`. */
  metrics?: boolean;
}

/** The TLS material of a cluster started with `tls: true`. */
export interface ClusterTls {
  ca: TestCa;
  /** Replica i's certificate, by index. */
  replicas: IssuedCertificate[];
  dir: string;
}

/**
 * A real cluster for an e2e suite: n `node dist/main.js` processes on free ports, each
 * with its own schema in the run's embedded Postgres, talking real HTTP.
 */
export class TestCluster {
  readonly token = randomBytes(24).toString('hex');
  readonly peerSecret = randomBytes(32).toString('hex');
  readonly replicas: ReplicaProcessType[] = [];
  readonly pool: Pool;
  /** Set when started with `tls: true`. */
  tls: ClusterTls | null = null;
  /** The peer API's port per replica, when started with `peerPort: true`. */
  readonly peerPorts: number[] = [];
  /** The metrics listener's port per replica, when started with `metrics: true`. */
  readonly metricsPorts: number[] = [];
  private readonly prefix = `e2e_${randomBytes(4).toString('hex')}`;

  private constructor(
    readonly options: TestClusterOptions,
    readonly databaseUrl: string,
    readonly logDir: string,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
  }

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    const databaseUrl = e2eDatabaseUrl();
    const cluster = new TestCluster(options, databaseUrl, await mkdtemp(join(tmpdir(), 'vault-e2e-logs-')));
    const members: Array<{ id: string; port: number; peerPort?: number }> = [];
    for (let i = 0; i < options.n; i++) {
      const peerPort = options.peerPort ? await freePort() : undefined;
      if (peerPort !== undefined) cluster.peerPorts.push(peerPort);
      members.push({ id: `n${i + 1}`, port: await freePort(), peerPort });
      if (options.metrics) cluster.metricsPorts.push(await freePort());
    }
    const metricsEnv = (i: number): Record<string, string> => (options.metrics ? { VAULT_METRICS_PORT: String(cluster.metricsPorts[i]) } : {});
    if (options.tls) {
      const dir = await mkdtemp(join(tmpdir(), 'vault-e2e-tls-'));
      const ca = await createTestCa(dir, 'cluster');
      cluster.tls = { ca, dir, replicas: await Promise.all(members.map((m) => ca.issue(m.id))) };
    }
    // One database login per replica, owning only its own schema, as `npm start` sets up.
    const urls = await provisionReplicaLogins(databaseUrl, cluster.logins());
    const tlsEnv = (i: number): Record<string, string> =>
      cluster.tls ? { VAULT_TLS_CERT: cluster.tls.replicas[i].certFile, VAULT_TLS_KEY: cluster.tls.replicas[i].keyFile, VAULT_TLS_CA: cluster.tls.ca.certFile } : {};
    cluster.replicas.push(
      ...clusterReplicas({
        members,
        databaseUrl,
        peerSecret: cluster.peerSecret,
        apiToken: cluster.token,
        logDir: cluster.logDir,
        env: {
          NODE_ENV: 'test',
          VAULT_LOCK_TTL_MS: String(options.lockTtlMs ?? 6000),
          VAULT_PEER_TIMEOUT_MS: String(options.peerTimeoutMs ?? 2000),
          VAULT_SWEEP_INTERVAL_MS: String(options.sweepIntervalMs ?? 500),
          ...(options.k ? { VAULT_THRESHOLD: String(options.k) } : {}),
          ...(options.m ? { VAULT_WRITE_QUORUM: String(options.m) } : {}),
          ...(options.b !== undefined ? { VAULT_REPAIR_TRIGGER_BUFFER: String(options.b) } : {}),
        },
        envFor: (i) => ({ VAULT_DB_SCHEMA: cluster.schema(i), DATABASE_URL: urls[i], ...tlsEnv(i), ...metricsEnv(i), ...(options.extraEnv?.[i] ?? {}) }),
        trustedCa: cluster.tls?.ca.cert,
      }),
    );
    for (const replica of cluster.replicas) replica.start();
    await Promise.all(cluster.replicas.map((r) => r.waitReady(60_000)));
    return cluster;
  }

  schema(index: number): string {
    return `${this.prefix}_n${index + 1}`;
  }

  /** Each replica's own database login: role and schema share a name. */
  logins(): Array<{ schema: string; role: string; password: string }> {
    return Array.from({ length: this.options.n }, (_, i) => ({ schema: this.schema(i), role: this.schema(i), password: `pw-${this.peerSecret.slice(0, 16)}-${i}` }));
  }

  /** Replica `index`'s own connection string (its role, not the admin's). */
  replicaDatabaseUrl(index: number): string {
    const url = new URL(this.databaseUrl);
    url.username = this.schema(index);
    url.password = this.logins()[index].password;
    return url.toString();
  }

  /**
   * Recreates replica `index`'s schema, empty and owned by its role, as after a lost
   * database (its login may not create a schema itself). The replica must be down.
   */
  async wipe(index: number): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema(index)}" CASCADE`);
    await provisionReplicaLogins(this.databaseUrl, [this.logins()[index]]);
  }

  client(index: number): VaultClient {
    return new VaultClient(this.replicas[index].url, this.token, this.clientTls());
  }

  url(index: number): string {
    return this.replicas[index].url;
  }

  /** Where replica `index` serves the peer API: its peer port when it has one. */
  peerUrl(index: number): string {
    if (!this.options.peerPort) return this.url(index);
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.peerPorts[index]}`;
  }

  /** Replica `index`'s /metrics, when started with `metrics: true` (plain HTTP here: no suite combines it with TLS). */
  metricsUrl(index: number): string {
    if (!this.options.metrics) throw new Error('this cluster was started without metrics listeners');
    return `http://127.0.0.1:${this.metricsPorts[index]}/metrics`;
  }

  /** What a client of this cluster trusts (nothing special without TLS). */
  clientTls(): ClientTls | undefined {
    return this.tls ? { ca: this.tls.ca.cert } : undefined;
  }

  async kill(...indexes: number[]): Promise<void> {
    await Promise.all(indexes.map((i) => this.replicas[i].kill()));
  }

  async stop(...indexes: number[]): Promise<void> {
    await Promise.all(indexes.map((i) => this.replicas[i].stop()));
  }

  async restart(indexes: number[], extraEnv: Record<string, string> = {}): Promise<void> {
    for (const i of indexes) {
      if (this.replicas[i].running) await this.replicas[i].stop();
      this.replicas[i].start(extraEnv);
    }
    await Promise.all(indexes.map((i) => this.replicas[i].waitReady(60_000)));
  }

  /** Runs SQL in one replica's schema. */
  query<T = Record<string, unknown>>(index: number, sql: string, params: unknown[] = []): Promise<T[]> {
    return queryInSchema<T>(this.pool, this.schema(index), sql, params);
  }

  async logs(index: number): Promise<string> {
    return readFile(join(this.logDir, `n${index + 1}.log`), 'utf8').catch(() => '');
  }

  async allLogs(): Promise<string> {
    return (await Promise.all(this.replicas.map((_, i) => this.logs(i)))).join('\n');
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
    await dropReplicaLogins(this.databaseUrl, this.logins());
    await this.pool.end();
    if (this.tls) await rm(this.tls.dir, { recursive: true, force: true });
    if (process.env.VAULT_E2E_KEEP_LOGS) process.stdout.write(`replica logs kept in ${this.logDir}\n`);
    else await rm(this.logDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns true (or throws its last error when the time is up). */
export async function eventually(check: () => Promise<boolean | void> | boolean | void, timeoutMs = 20_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      if ((await check()) !== false) return;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  if (lastError) throw lastError;
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
