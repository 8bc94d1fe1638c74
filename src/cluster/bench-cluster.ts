import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../common/pg-client';
import { StatementStats } from './bench-stats';
import { RunningPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { clusterReplicas, ReplicaProcess } from './replica-process';

/**
 * What `npm run bench` and `npm run soak` share: an embedded Postgres with statement
 * statistics, a local cluster of real replica processes on it, and a lean HTTP client.
 */
export interface Target {
  label: string;
  urls: string[];
  token: string;
  replicas: ReplicaProcess[];
  profileDir: string;
  /** Cores busy per phase: replicas, Postgres, this process (the load generator). */
  cpu: Array<{ phase: string; cores: Record<string, number> }>;
  /** The statements that took Postgres the most time in each phase (pg_stat_statements). */
  statements: Array<{ phase: string; lines: string[] }>;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** An answer: its status, and for a refusal the `code` of its body with the names of its other fields. */
export interface Answer {
  status: number;
  /** For example "INSUFFICIENT_SHARDS (locked)": the reader's three refusals differ by their field. */
  code: string | null;
}

// Idle connections close on our side after 60 s, before the replicas' 65 s keep-alive
// closes them: a request never races the server's close (docs/api.md, "Connections").
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: 60_000 });

/**
 * Runs `work` with an embedded Postgres (pg_stat_statements loaded, and `server`'s extra
 * settings and log reader) in a fresh temporary directory, which also holds the replicas'
 * logs and profiles; stops it and removes the directory afterwards, whatever happens.
 */
export async function withMeasuredPostgres<T>(
  tool: string,
  work: (postgres: RunningPostgres, dir: string) => Promise<T>,
  server: { settings: string[]; onLog?: (line: string) => void } = { settings: [] },
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `vault-${tool}-`));
  await chmod(dir, 0o711);
  process.stdout.write('starting embedded Postgres ...\n');
  try {
    const postgres = await startEmbeddedPostgres({
      dataDir: join(dir, 'pg'),
      // Below the kernel's ephemeral range (32768 and up), so no outgoing connection holds it.
      port: 29400 + Math.floor(Math.random() * 500),
      user: 'vault',
      password: 'bench',
      database: 'vault',
      settings: ['shared_preload_libraries=pg_stat_statements', ...server.settings],
      onLog: server.onLog,
    });
    try {
      await withClient(postgres.url, (db) => db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
      return await work(postgres, dir);
    } finally {
      await postgres.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function localCluster(postgres: RunningPostgres, dir: string, n: number, k: number, m: number): Promise<Target> {
  const label = `c${n}`;
  const profileDir = join(dir, `profiles-${label}`);
  await mkdir(profileDir, { recursive: true });
  process.stdout.write(`starting ${n} replica(s) ...\n`);
  const token = randomBytes(24).toString('hex');
  const base = 18201 + (n === 1 ? 10 : 0);
  const members = Array.from({ length: n }, (_, i) => ({ id: `${label}-${i + 1}`, port: base + i }));
  const replicas = clusterReplicas({
    members,
    databaseUrl: postgres.url,
    peerSecret: randomBytes(32).toString('hex'),
    apiToken: token,
    logDir: dir,
    env: {
      // The single replica is a measurement mode that production refuses.
      NODE_ENV: n === 1 ? 'benchmark' : 'production',
      VAULT_LOG_LEVEL: 'warn',
      VAULT_THRESHOLD: String(k),
      VAULT_WRITE_QUORUM: String(m),
      ...(n === 1 ? { VAULT_ALLOW_SINGLE_REPLICA: 'true' } : {}),
    },
    envFor: (i): Record<string, string> => (i === 0 ? { VAULT_CPU_PROFILE_DIR: profileDir } : {}),
  });
  replicas.forEach((r) => r.start());
  await Promise.all(replicas.map((r) => r.waitReady(60_000)));
  return {
    label,
    urls: replicas.map((r) => r.url),
    token,
    replicas,
    profileDir,
    cpu: [],
    statements: [],
    databaseUrl: postgres.url,
    stop: async () => {
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}

export function resetStatementStats(databaseUrl: string): Promise<unknown> {
  return withClient(databaseUrl, (db) => db.query('SELECT pg_stat_statements_reset()'));
}

/** What pg_stat_statements gathered in this database since its last reset. */
export async function statementStats(databaseUrl: string): Promise<StatementStats[]> {
  const { rows } = await withClient(databaseUrl, (db) =>
    db.query<StatementStats>(
      `SELECT query, calls::int AS calls, total_exec_time AS "totalMs", shared_blks_hit::int AS "sharedBlocksHit", shared_blks_read::int AS "sharedBlocksRead"
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'`,
    ),
  );
  return rows;
}

/** One request; the body is read only for a refusal (4xx, 5xx), for its code. */
export function request(url: string, token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      url + path,
      {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          if (status >= 400) chunks.push(chunk);
        });
        response.on('end', () => resolvePromise({ status, code: status >= 400 ? codeOf(Buffer.concat(chunks)) : null }));
        response.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

const COMMON_FIELDS = new Set(['statusCode', 'code', 'message', 'requestId']);

function codeOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof parsed.code !== 'string') return null;
    const fields = Object.keys(parsed).filter((key) => !COMMON_FIELDS.has(key));
    return fields.length > 0 ? `${parsed.code} (${fields.join(', ')})` : parsed.code;
  } catch {
    return null;
  }
}

const status = (answer: Promise<Answer>) => answer.then((a) => a.status);
export const post = (url: string, token: string, path: string, body: unknown) => status(request(url, token, 'POST', path, body));
export const put = (url: string, token: string, path: string, body: unknown) => status(request(url, token, 'PUT', path, body));
export const get = (url: string, token: string, path: string) => status(request(url, token, 'GET', path));
