import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { ReplicaProcess as ReplicaProcessType } from '../../src/cluster/replica-process';
import { VaultClient } from './http';
import { freePort } from './ports';

// The compiled launcher code: the suites run the very replicas `npm start` runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { clusterReplicas } = require('../../dist/cluster/replica-process') as typeof import('../../src/cluster/replica-process');

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
  private readonly prefix = `e2e_${randomBytes(4).toString('hex')}`;

  private constructor(
    readonly options: TestClusterOptions,
    readonly databaseUrl: string,
    readonly logDir: string,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
  }

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    const databaseUrl = process.env.VAULT_E2E_DATABASE_URL;
    if (!databaseUrl) throw new Error('VAULT_E2E_DATABASE_URL is not set: run through jest (global setup starts Postgres)');
    const cluster = new TestCluster(options, databaseUrl, await mkdtemp(join(tmpdir(), 'vault-e2e-logs-')));
    const members: Array<{ id: string; port: number }> = [];
    for (let i = 0; i < options.n; i++) members.push({ id: `n${i + 1}`, port: await freePort() });
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
        envFor: (i) => ({ VAULT_DB_SCHEMA: cluster.schema(i), ...(options.extraEnv?.[i] ?? {}) }),
      }),
    );
    for (const replica of cluster.replicas) replica.start();
    await Promise.all(cluster.replicas.map((r) => r.waitReady(60_000)));
    return cluster;
  }

  schema(index: number): string {
    return `${this.prefix}_n${index + 1}`;
  }

  client(index: number): VaultClient {
    return new VaultClient(this.replicas[index].url, this.token);
  }

  url(index: number): string {
    return this.replicas[index].url;
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
  async query<T = Record<string, unknown>>(index: number, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = await this.pool.connect();
    try {
      await client.query(`SET search_path TO "${this.schema(index)}"`);
      const result = await client.query(sql, params);
      return result.rows as T[];
    } finally {
      await client.query('RESET search_path').catch(() => undefined);
      client.release();
    }
  }

  async logs(index: number): Promise<string> {
    return readFile(join(this.logDir, `n${index + 1}.log`), 'utf8').catch(() => '');
  }

  async allLogs(): Promise<string> {
    return (await Promise.all(this.replicas.map((_, i) => this.logs(i)))).join('\n');
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
    const client = await this.pool.connect();
    try {
      for (let i = 0; i < this.options.n; i++) await client.query(`DROP SCHEMA IF EXISTS "${this.schema(i)}" CASCADE`);
    } finally {
      client.release();
    }
    await this.pool.end();
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
