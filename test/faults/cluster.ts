import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { ReplicaProcess } from '../../src/cluster/replica-process';
import { repoRoot } from '../support/history/repo-root';
import { freePort } from '../support/ports';
import { queryInSchema } from '../support/schema-query';
import { ProxyMesh } from './proxy';

/**
 * The launcher as `npm run build` compiled it, so that the replicas are the very
 * `node dist/main.js` processes of `npm start` (and their migrations are found).
 */
export function distModule<T>(path: string): T {
  const file = join(repoRoot(), 'dist', `${path}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as T;
}

export interface FaultClusterOptions {
  n: number;
  k: number;
  m: number;
  databaseUrl: string;
  logDir: string;
  lockTtlMs: number;
  peerTimeoutMs: number;
  sweepIntervalMs: number;
  /** Schema prefix of this run's replicas. */
  prefix: string;
  /** VAULT_TEST_BUG for every replica (a planted bug, NODE_ENV=test only). */
  bug?: string;
}

export type ReplicaCondition = 'up' | 'down' | 'paused';

/**
 * n real replica processes (`node dist/main.js`, NODE_ENV=test), each with its own schema
 * in one real Postgres, and every peer link i -> j through its own fault-injecting proxy:
 * replica i gets a VAULT_PEERS of its own, in which j's URL is the proxy's.
 */
export class FaultCluster {
  /** Clusters started and not shut down yet, for an interrupted run to clean up. */
  static readonly live = new Set<FaultCluster>();
  readonly token = randomBytes(24).toString('hex');
  readonly peerSecret = randomBytes(32).toString('hex');
  readonly replicas: ReplicaProcess[] = [];
  readonly pool: Pool;
  readonly paused = new Set<number>();
  /** Replicas running with a crash point (VAULT_FAULT_POINT), until they are restarted without. */
  readonly armed = new Set<number>();
  mesh!: ProxyMesh;
  private ports: number[] = [];
  /** Per replica, the last kill, arm or restart: each waits for the one before (a restart may outlast the plan's guess). */
  private readonly lifecycle = new Map<number, Promise<void>>();

  constructor(readonly options: FaultClusterOptions) {
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 3 });
    this.pool.on('error', () => undefined);
  }

  get n(): number {
    return this.options.n;
  }

  async start(readyTimeoutMs = 90_000): Promise<void> {
    const { clusterReplicas, peersEnv } = distModule<typeof import('../../src/cluster/replica-process')>('cluster/replica-process');
    // Below the ephemeral range, so no outgoing connection takes a killed replica's port before it restarts.
    for (let i = 0; i < this.n; i++) this.ports.push(await freePort());
    this.mesh = await ProxyMesh.start(this.ports);
    const members = this.ports.map((port, i) => ({ id: this.id(i), port }));
    const o = this.options;
    this.replicas.push(
      ...clusterReplicas({
        members,
        databaseUrl: o.databaseUrl,
        peerSecret: this.peerSecret,
        apiToken: this.token,
        logDir: o.logDir,
        env: {
          NODE_ENV: 'test',
          VAULT_THRESHOLD: String(o.k),
          VAULT_WRITE_QUORUM: String(o.m),
          VAULT_LOCK_TTL_MS: String(o.lockTtlMs),
          VAULT_PEER_TIMEOUT_MS: String(o.peerTimeoutMs),
          VAULT_SWEEP_INTERVAL_MS: String(o.sweepIntervalMs),
          ...(o.bug ? { VAULT_TEST_BUG: o.bug } : {}),
        },
        envFor: (i) => ({
          VAULT_DB_SCHEMA: this.schema(i),
          // Every other replica through the proxy of the link i -> j; itself directly.
          VAULT_PEERS: peersEnv(members.map((member, j) => (j === i ? member : { id: member.id, port: this.mesh.link(i, j).port }))),
        }),
      }),
    );
    FaultCluster.live.add(this);
    for (const replica of this.replicas) replica.start();
    await Promise.all(this.replicas.map((r) => r.waitReady(readyTimeoutMs)));
  }

  /** On an interrupt: no paused replica left behind, every replica killed. */
  killEverything(): void {
    for (const [i, replica] of this.replicas.entries()) {
      if (replica.pid === undefined || !replica.running) continue;
      if (this.paused.has(i)) process.kill(replica.pid, 'SIGCONT');
      process.kill(replica.pid, 'SIGKILL');
    }
  }

  id(index: number): string {
    return `n${index + 1}`;
  }

  schema(index: number): string {
    return `${this.options.prefix}_n${index + 1}`;
  }

  url(index: number): string {
    return `http://127.0.0.1:${this.ports[index]}`;
  }

  condition(index: number): ReplicaCondition {
    if (!this.replicas[index].running) return 'down';
    return this.paused.has(index) ? 'paused' : 'up';
  }

  private serial(index: number, work: () => Promise<void>): Promise<void> {
    const next = (this.lifecycle.get(index) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.lifecycle.set(index, next);
    return next;
  }

  /** kill -9; with `wipe`, its schema is dropped while it is down (it rebuilds from its peers on restart). */
  kill(index: number, wipe = false): Promise<void> {
    return this.serial(index, () => this.killNow(index, wipe));
  }

  private async killNow(index: number, wipe = false): Promise<void> {
    await this.replicas[index].kill();
    this.paused.delete(index);
    if (wipe) await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema(index)}" CASCADE`);
  }

  /** kill -9, then start again with a crash point: the replica kills itself there in the next write it coordinates. */
  arm(index: number, point: string): Promise<void> {
    return this.serial(index, async () => {
      await this.killNow(index);
      this.armed.add(index);
      await this.startNow(index, 60_000, { VAULT_FAULT_POINT: point });
    });
  }

  /**
   * Starts a replica that is down (or running armed: kill -9 first) and waits until it
   * serves (not until it is ready: a wiped one is not ready until it has caught up).
   * Postgres may still hold the dead process's schema claim for a moment, so an early exit
   * is retried.
   */
  restart(index: number, timeoutMs = 60_000): Promise<void> {
    return this.serial(index, async () => {
      if (this.armed.delete(index)) await this.killNow(index);
      await this.startNow(index, timeoutMs);
    });
  }

  private async startNow(index: number, timeoutMs: number, env: Record<string, string> = {}): Promise<void> {
    const replica = this.replicas[index];
    if (replica.running) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      replica.start(env);
      try {
        await replica.waitHealthy(Math.max(1000, deadline - Date.now()));
        return;
      } catch (error) {
        if (replica.running || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  pause(index: number): void {
    const pid = this.replicas[index].pid;
    if (!this.replicas[index].running || pid === undefined) return;
    process.kill(pid, 'SIGSTOP');
    this.paused.add(index);
  }

  resume(index: number): void {
    const pid = this.replicas[index].pid;
    this.paused.delete(index);
    if (this.replicas[index].running && pid !== undefined) process.kill(pid, 'SIGCONT');
  }

  /** SIGCONT every paused replica, restart every replica that is down, every link passes. */
  async healAll(): Promise<void> {
    for (const index of [...this.paused]) this.resume(index);
    this.mesh.healAll();
    await Promise.all(this.replicas.map((_, i) => this.restart(i)));
  }

  async waitAllReady(timeoutMs: number): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.waitReady(timeoutMs)));
  }

  /** Runs SQL in one replica's schema. */
  query<T = Record<string, unknown>>(index: number, sql: string, params: unknown[] = []): Promise<T[]> {
    return queryInSchema<T>(this.pool, this.schema(index), sql, params);
  }

  async logs(index: number): Promise<string> {
    return readFile(join(this.options.logDir, `${this.id(index)}.log`), 'utf8').catch(() => '');
  }

  /** Stops everything this run started and drops its schemas. */
  async shutdown(): Promise<void> {
    FaultCluster.live.delete(this);
    for (const index of [...this.paused]) this.resume(index);
    await Promise.all(this.replicas.map((r) => r.stop(3000)));
    await this.mesh?.close();
    for (let i = 0; i < this.n; i++) await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema(i)}" CASCADE`).catch(() => undefined);
    await this.pool.end();
  }
}
