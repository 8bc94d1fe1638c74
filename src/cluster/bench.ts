import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, RunningPostgres } from './embedded-postgres';
import { clusterReplicas } from './replica-process';
import { PhaseResult, summarise, table } from './bench-stats';

/**
 * `npm run bench`: create, update and read throughput and latency percentiles against a
 * local 5-replica cluster (started here on an embedded Postgres, or BENCH_URL + BENCH_TOKEN
 * to measure a running one). Numbers are printed, never asserted.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const OPS = Number(process.env.BENCH_OPS ?? 400);

interface Target {
  urls: string[];
  token: string;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const target = process.env.BENCH_URL ? external() : await localCluster();
  try {
    const results: PhaseResult[] = [];
    const small = () => randomBytes(48).toString('base64');
    const big = () => randomBytes(49152).toString('base64'); // 64 KiB of text
    const run = Date.now().toString(36);

    results.push(await phase('create (64 B)', OPS, target, (i, url) => post(url, target.token, '/v1/secrets', { name: `b${run}_${i}`, value: small() })));
    results.push(await phase('update (64 B)', OPS, target, (i, url) => put(url, target.token, `/v1/secrets/b${run}_${i % 100}`, { value: small() })));
    results.push(await phase('read latest', OPS * 2, target, (i, url) => get(url, target.token, `/v1/secrets/b${run}_${i % OPS}`)));
    results.push(await phase('read version 1', OPS, target, (i, url) => get(url, target.token, `/v1/secrets/b${run}_${i % 100}?version=1`)));
    results.push(await phase('create (64 KiB)', 50, target, (i, url) => post(url, target.token, '/v1/secrets', { name: `big${run}_${i}`, value: big() })));
    results.push(await phase('read (64 KiB)', 100, target, (i, url) => get(url, target.token, `/v1/secrets/big${run}_${i % 50}`)));

    process.stdout.write(`\nVault benchmark: ${target.urls.length} replicas, concurrency ${CONCURRENCY}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB\n\n`);
    process.stdout.write(table(results) + '\n');
  } finally {
    await target.stop();
  }
}

async function phase(name: string, ops: number, target: Target, op: (i: number, url: string) => Promise<number>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ops) {
        const i = next++;
        const t0 = performance.now();
        const status = await op(i, target.urls[i % target.urls.length]).catch(() => 0);
        if (status >= 200 && status < 300) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  return summarise(name, latencies, errors, CONCURRENCY, (performance.now() - started) / 1000);
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await response.arrayBuffer();
  return response.status;
}
const post = (url: string, token: string, path: string, body: unknown) => call(url, token, 'POST', path, body);
const put = (url: string, token: string, path: string, body: unknown) => call(url, token, 'PUT', path, body);
const get = (url: string, token: string, path: string) => call(url, token, 'GET', path);

function external(): Target {
  return { urls: process.env.BENCH_URL!.split(','), token: process.env.BENCH_TOKEN ?? '', stop: async () => undefined };
}

async function localCluster(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'vault-bench-'));
  await chmod(dir, 0o711);
  process.stdout.write('starting embedded Postgres and 5 replicas ...\n');
  const postgres: RunningPostgres = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54400 + Math.floor(Math.random() * 500), user: 'vault', password: 'bench', database: 'vault' });
  const token = randomBytes(24).toString('hex');
  const peerSecret = randomBytes(32).toString('hex');
  const members = Array.from({ length: 5 }, (_, i) => ({ id: `b${i + 1}`, port: 18201 + i }));
  const replicas = clusterReplicas({
    members,
    databaseUrl: postgres.url,
    peerSecret,
    apiToken: token,
    logDir: dir,
    env: { NODE_ENV: 'production', VAULT_LOG_LEVEL: 'warn' },
  });
  replicas.forEach((r) => r.start());
  await Promise.all(replicas.map((r) => r.waitReady(60_000)));
  return {
    urls: replicas.map((r) => r.url),
    token,
    stop: async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
