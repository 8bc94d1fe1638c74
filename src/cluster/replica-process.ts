import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';

export interface ReplicaSpec {
  id: string;
  port: number;
  env: Record<string, string>;
  /** Where the replica's JSON log lines go; inherited stdio when absent. */
  logFile?: string;
  /**
   * Set when the replica serves HTTPS (VAULT_TLS_*): the PEM of the CA its certificate
   * chains to, which `url` then uses and waitHealthy/waitReady trust.
   */
  trustedCa?: string;
}

/** The path of the replica entry point, next to this file's compiled folder. */
export const REPLICA_ENTRY = join(__dirname, '..', 'main.js');

/** One replica as a separate `node dist/main.js` process. */
export class ReplicaProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly spec: ReplicaSpec) {}

  get url(): string {
    return `${this.spec.trustedCa ? 'https' : 'http'}://127.0.0.1:${this.spec.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(extraEnv: Record<string, string> = {}): void {
    if (this.running) throw new Error(`replica ${this.spec.id} already running`);
    this.log = this.spec.logFile ? createWriteStream(this.spec.logFile, { flags: 'a' }) : null;
    const child = spawn(process.execPath, [REPLICA_ENTRY], {
      env: { PATH: process.env.PATH ?? '', ...this.spec.env, ...extraEnv },
      // The IPC channel lets the replica notice when its launcher goes away.
      stdio: ['ignore', this.log ? 'pipe' : 'inherit', this.log ? 'pipe' : 'inherit', 'ipc'],
    });
    if (this.log) {
      child.stdout?.pipe(this.log, { end: false });
      child.stderr?.pipe(this.log, { end: false });
    }
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
  }

  /** Waits until GET /health answers, or the process dies, or the time runs out. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`replica ${this.spec.id} exited with code ${this.child?.exitCode}`);
      try {
        if ((await this.probe('/health')) === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`replica ${this.spec.id} not healthy after ${timeoutMs} ms`);
  }

  /**
   * Waits until GET /health/ready answers 200: the database answers, k replicas are
   * reachable, and the replica has caught up (a new cluster forms once every replica has
   * started once; see docs/model.md, "Lost state").
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`replica ${this.spec.id} exited with code ${this.child?.exitCode}`);
      try {
        if ((await this.probe('/health/ready')) === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`replica ${this.spec.id} not ready after ${timeoutMs} ms`);
  }

  /**
   * One GET within a second; resolves with the status. Over HTTPS it trusts `trustedCa`,
   * which `fetch` cannot be given, hence node's own request functions.
   */
  private probe(path: string): Promise<number> {
    const url = new URL(path, this.url);
    const options = { method: 'GET', agent: false as const, timeout: 1000, ...(this.spec.trustedCa ? { ca: this.spec.trustedCa } : {}) };
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(url, options, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Graceful stop (SIGTERM), then SIGKILL if it lingers. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.closeLog();
  }

  /** kill -9: no shutdown hooks, nothing flushed. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
    this.closeLog();
  }

  /** Resolves with the exit code once the process ends. */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  private closeLog(): void {
    this.log?.end();
    this.log = null;
  }
}

/** A replica's ports: `peerPort` set gives it a separate peer listener (VAULT_PEER_PORT). */
export interface ClusterMember {
  id: string;
  port: number;
  peerPort?: number;
}

/** VAULT_PEERS: each replica at the port that serves its peer API. */
export function peersEnv(replicas: ClusterMember[], host = '127.0.0.1', scheme: 'http' | 'https' = 'http'): string {
  return replicas.map((r) => `${r.id}=${scheme}://${host}:${r.peerPort ?? r.port}`).join(',');
}

export interface ClusterSpec {
  members: ClusterMember[];
  databaseUrl: string;
  peerSecret: string;
  apiToken: string;
  logDir: string;
  /** Variables every replica gets (NODE_ENV, log level, quorum settings, ...). */
  env?: Record<string, string>;
  /** Variables for one replica only, by index. */
  envFor?: (index: number) => Record<string, string>;
  host?: string;
  /**
   * The replicas serve HTTPS (their VAULT_TLS_* come through `env`/`envFor`): peers are
   * called over https, and this CA's PEM is trusted when waiting for them.
   */
  trustedCa?: string;
}

/** The replica processes of one cluster: every replica knows every other as its peer. */
export function clusterReplicas(spec: ClusterSpec): ReplicaProcess[] {
  return spec.members.map(
    (member, index) =>
      new ReplicaProcess({
        id: member.id,
        port: member.port,
        logFile: join(spec.logDir, `${member.id}.log`),
        trustedCa: spec.trustedCa,
        env: {
          ...spec.env,
          VAULT_NODE_ID: member.id,
          VAULT_PORT: String(member.port),
          ...(member.peerPort !== undefined ? { VAULT_PEER_PORT: String(member.peerPort) } : {}),
          VAULT_PEERS: peersEnv(spec.members, spec.host, spec.trustedCa ? 'https' : 'http'),
          DATABASE_URL: spec.databaseUrl,
          VAULT_PEER_SECRET: spec.peerSecret,
          VAULT_API_TOKEN: spec.apiToken,
          ...spec.envFor?.(index),
        },
      }),
  );
}
