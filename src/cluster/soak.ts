import { randomBytes, randomInt } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withClient } from '../common/pg-client';
import { Answer, localCluster, request, resetStatementStats, statementStats, Target, withMeasuredPostgres } from './bench-cluster';
import { SoakInterval, soakLine, statementDelta, statementLines } from './bench-stats';
import { residentMiBOf } from './process-cpu';

/**
 * `npm run soak` (docs/benchmarks.md, "Soak"): a 5-replica cluster (k=3, m=3) under a
 * steady mix of 70 % reads, 20 % updates, 8 % creates and 2 % deletes, from SOAK_CLIENTS
 * clients (128) for SOAK_MINUTES (10), with one line per SOAK_INTERVAL_SECONDS (60):
 * throughput, latency, errors by kind, write conflicts, each replica's memory, the size
 * of the shares tables, and Postgres's time with its costliest statement; then the
 * statements Postgres spent the most time on over the whole run. It
 * shows what the bench's short phases cannot: work that grows with the tables (the
 * erasure rewrite was found this way), memory that does not level off, errors that come
 * only after minutes. Printed and kept in .tmp/soak/report.txt, never asserted.
 */
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 128);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const INTERVAL_SECONDS = Number(process.env.SOAK_INTERVAL_SECONDS ?? 60);
const INITIAL_NAMES = 1000;
/**
 * With SOAK_HOT_NAMES=N, reads, updates and deletes go to the N newest names only (creates
 * keep adding names, so the set slides): contention on a few names, as a burst of writes
 * to one secret makes it. By default they go to any name created so far.
 */
const HOT_NAMES = Number(process.env.SOAK_HOT_NAMES ?? 0);
/**
 * A file for Postgres's log, with lock waits, autovacuum runs and checkpoints in it: what
 * a slow minute's line cannot say (a rewrite that waited for its lock, and everything that
 * queued behind it, leaves no trace in the statement statistics).
 */
const POSTGRES_LOG = process.env.SOAK_POSTGRES_LOG;
const POSTGRES_LOG_SETTINGS = ['log_lock_waits=on', 'log_autovacuum_min_duration=0', 'log_checkpoints=on'];
/** Server settings to try (`name=value`, comma-separated), e.g. `max_wal_size=8GB`. */
const POSTGRES_SETTINGS = (process.env.SOAK_POSTGRES_SETTINGS ?? '').split(',').filter((setting) => setting.includes('='));

/**
 * The answers each kind of request may give without it counting as an error. A write
 * answered 409 met another write holding the name (SPEC: WRITE_CONFLICT, safe to retry):
 * 128 clients meet on a name now and then; counted apart as conflicts.
 */
const EXPECTED: Record<string, (status: number) => boolean> = {
  GET: (s) => s === 200 || s === 404, // the name may have been deleted
  PUT: (s) => s === 200 || s === 404, // deleted meanwhile
  POST: (s) => s === 201,
  DELETE: (s) => s === 200 || s === 404,
};

async function main(): Promise<void> {
  const out = resolve('.tmp/soak');
  await mkdir(out, { recursive: true });
  const names = HOT_NAMES > 0 ? `, on the ${HOT_NAMES} newest names` : '';
  const report: string[] = [`Vault soak: 5 replicas (k=3, m=3), ${CLIENTS} clients, ${MINUTES} min, 70 % reads, 20 % updates, 8 % creates, 2 % deletes${names}`];
  const print = (line: string) => {
    report.push(line);
    process.stdout.write(line + '\n');
  };
  const postgres = POSTGRES_LOG
    ? { settings: [...POSTGRES_SETTINGS, ...POSTGRES_LOG_SETTINGS], onLog: (line: string) => appendFileSync(POSTGRES_LOG, `${line}\n`) }
    : { settings: POSTGRES_SETTINGS };
  await withMeasuredPostgres(
    'soak',
    async (postgres, dir) => {
      const cluster = await localCluster(postgres, dir, 5, 3, 3);
      try {
        await soak(cluster, print);
      } finally {
        await cluster.stop();
      }
    },
    postgres,
  );
  await writeFile(join(out, 'report.txt'), report.join('\n') + '\n');
}

async function soak(target: Target, print: (line: string) => void): Promise<void> {
  const run = Date.now().toString(36);
  const name = (i: number) => `s${run}_${i}`;
  const value = () => randomBytes(48).toString('base64');
  let created = 0;
  process.stdout.write(`creating ${INITIAL_NAMES} secrets ...\n`);
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (created < INITIAL_NAMES) {
        const i = created++;
        await request(target.urls[i % target.urls.length], target.token, 'POST', '/v1/secrets', { name: name(i), value: value() });
      }
    }),
  );
  await resetStatementStats(target.databaseUrl);
  let statementsBefore = await statementStats(target.databaseUrl);

  const started = performance.now();
  const end = started + MINUTES * 60_000;
  let interval = fresh();
  let intervalStarted = started;
  let next = 0;
  const finishInterval = async () => {
    // Answers that arrive while the tables are measured count in the next interval.
    const now = performance.now();
    const done = { ...interval, at: (now - started) / 1000, seconds: (now - intervalStarted) / 1000 };
    interval = fresh();
    intervalStarted = now;
    const residentMiB = target.replicas.map((r) => (r.pid === undefined ? 0 : residentMiBOf(r.pid)));
    const statementsNow = await statementStats(target.databaseUrl);
    const statements = statementDelta(statementsBefore, statementsNow);
    statementsBefore = statementsNow;
    print(soakLine({ ...done, residentMiB, statements, ...(await shareTables(target.databaseUrl)) }));
  };
  const reporter = setInterval(() => void finishInterval(), INTERVAL_SECONDS * 1000);
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const i = next++;
          const url = target.urls[i % target.urls.length];
          const roll = (i * 7919) % 100;
          // Drawn at random, not computed from i: `(i * 31) % created`, with `created`
          // growing by 8 every 100 requests, sent requests 301,000 to 322,000 to about 90
          // names (their ratio passes near a whole number there), and that hot spot read
          // as a slowdown at a fixed table size (docs/benchmarks.md).
          const pool = Math.max(1, HOT_NAMES > 0 ? Math.min(HOT_NAMES, created) : created);
          const existing = name(created - pool + randomInt(pool));
          const [method, path, body] =
            roll < 70
              ? ['GET', `/v1/secrets/${existing}`, undefined]
              : roll < 90
                ? ['PUT', `/v1/secrets/${existing}`, { value: value() }]
                : roll < 98
                  ? ['POST', '/v1/secrets', { name: name(created++), value: value() }]
                  : ['DELETE', `/v1/secrets/${existing}`, undefined];
          const t0 = performance.now();
          const answer: Answer = await request(url, target.token, method, path, body).catch((error: NodeJS.ErrnoException) => ({
            status: 0,
            code: `NO_ANSWER (${error.code ?? error.message})`,
          }));
          if (EXPECTED[method](answer.status)) interval.latenciesMs.push(performance.now() - t0);
          else if (answer.status === 409 && answer.code?.startsWith('WRITE_CONFLICT') && method !== 'GET') interval.conflicts += 1;
          else {
            const kind = `${method} ${answer.status} ${answer.code ?? ''}`.trim();
            interval.errors.set(kind, (interval.errors.get(kind) ?? 0) + 1);
          }
        }
      }),
    );
  } finally {
    clearInterval(reporter);
  }
  // The requests still in flight when the time ran out, unless they make an interval of their own.
  if (performance.now() - intervalStarted >= (INTERVAL_SECONDS * 1000) / 4) await finishInterval();
  print('');
  print('Postgres statements with the most execution time over the whole run:');
  for (const line of statementLines(await statementStats(target.databaseUrl), 6)) print(line);
}

function fresh(): Pick<SoakInterval, 'latenciesMs' | 'errors' | 'conflicts'> {
  return { latenciesMs: [], errors: new Map(), conflicts: 0 };
}

/** Share rows in every replica's shares table, and the tables' size with their indexes. */
async function shareTables(databaseUrl: string): Promise<{ shareRows: number; shareBytes: number }> {
  const { rows } = await withClient(databaseUrl, (db) =>
    db.query<{ rows: string | null; bytes: string | null }>(
      `SELECT sum(n_live_tup) AS rows, sum(pg_total_relation_size(relid)) AS bytes FROM pg_stat_user_tables WHERE relname = 'secret_share'`,
    ),
  );
  return { shareRows: Number(rows[0]?.rows ?? 0), shareBytes: Number(rows[0]?.bytes ?? 0) };
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
