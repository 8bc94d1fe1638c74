import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { get, localCluster, post, put, resetStatementStats, statementStats, Target, withMeasuredPostgres } from './bench-cluster';
import { PhaseResult, profileSummary, statementLines, summarise, table } from './bench-stats';
import { CpuMeter, pidsNamed } from './process-cpu';

/**
 * `npm run bench` (docs/benchmarks.md): throughput and latency percentiles of creates,
 * updates and reads of 64-byte values at 64 concurrent clients spread over the replicas,
 * and a mixed load (70 % reads, 20 % updates, 10 % creates) at 256 clients for 30 s, on a
 * local 5-replica cluster (k=3, m=3), then the same on a single replica (n=1), so the
 * cost of replication shows as a ratio; and a CPU profile of one replica under the read
 * load; and, for every phase, how many cores the replicas, Postgres and the load generator
 * kept busy, and which statements took Postgres the most time (pg_stat_statements). Each
 * cluster first runs every kind of request unmeasured (`warmUp`). Numbers are printed (and
 * kept in .tmp/bench/), never asserted.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const MIXED_CONCURRENCY = Number(process.env.BENCH_MIXED_CONCURRENCY ?? 256);
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 30);
const OPS = Number(process.env.BENCH_OPS ?? 3000);
/** Seconds each kind of request runs, unmeasured, before the measured phases (0: none). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);

async function main(): Promise<void> {
  const out = resolve('.tmp/bench');
  await mkdir(out, { recursive: true });
  const report: string[] = [];
  await withMeasuredPostgres('bench', async (postgres, dir) => {
    const five = await localCluster(postgres, dir, 5, 3, 3);
    let fiveResults: PhaseResult[];
    let profile = '';
    try {
      fiveResults = await workload(five, async (readPhase) => {
        profile = await profiled(five, readPhase);
      });
    } finally {
      await five.stop();
    }
    const one = await localCluster(postgres, dir, 1, 1, 1);
    let oneResults: PhaseResult[];
    try {
      oneResults = await workload(one);
    } finally {
      await one.stop();
    }

    report.push(`Vault benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; everything on this machine`);
    report.push('', '5 replicas (k=3, m=3):', table(fiveResults));
    report.push('', 'cores busy during each phase (5 replicas):', ...cpuLines(five));
    report.push('', 'Postgres statements with the most execution time in each phase (5 replicas):', ...statementReport(five));
    report.push('', '1 replica (n=1, k=1, m=1):', table(oneResults));
    report.push('', 'cores busy during each phase (1 replica):', ...cpuLines(one));
    report.push('', 'Postgres statements with the most execution time in each phase (1 replica):', ...statementReport(one));
    report.push('', 'cost of replication (1 replica / 5 replicas, throughput):');
    for (const r of fiveResults) {
      const base = oneResults.find((o) => o.phase === r.phase);
      if (base && r.opsPerSecond > 0) report.push(`  ${r.phase}: ${(base.opsPerSecond / r.opsPerSecond).toFixed(2)}x`);
    }
    report.push('', 'CPU profile of one replica (b1) under the read load:', profile);
    await writeFile(join(out, 'results.json'), JSON.stringify({ five: fiveResults, one: oneResults }, null, 2));
  });
  process.stdout.write('\n' + report.join('\n') + '\n');
  await writeFile(join(out, 'report.txt'), report.join('\n') + '\n');
}

/** The phases run on one cluster. `duringReads` gets an extra read phase to run (profiled). */
async function workload(target: Target, duringReads?: (readPhase: () => Promise<PhaseResult>) => Promise<void>): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  const run = `${target.label}${Date.now().toString(36)}`;
  const names = (i: number) => `b${run}_${i}`;
  await warmUp(target, run);
  results.push(await phase('create (64 B)', OPS, CONCURRENCY, target, (i, url) => post(url, target.token, '/v1/secrets', { name: names(i), value: small() })));
  results.push(await phase('update (64 B)', OPS, CONCURRENCY, target, (i, url) => put(url, target.token, `/v1/secrets/${names(i % OPS)}`, { value: small() })));
  results.push(await phase('read latest', OPS * 2, CONCURRENCY, target, (i, url) => get(url, target.token, `/v1/secrets/${names(i % OPS)}`)));
  if (duringReads) await duringReads(() => phase('read latest (profiled)', OPS, CONCURRENCY, target, (i, url) => get(url, target.token, `/v1/secrets/${names(i % OPS)}`)));
  results.push(await phase('read version 1', OPS, CONCURRENCY, target, (i, url) => get(url, target.token, `/v1/secrets/${names(i % OPS)}?version=1`)));
  let created = OPS;
  results.push(
    await timedPhase(`mixed 70/20/10 (${MIXED_SECONDS} s)`, MIXED_SECONDS, MIXED_CONCURRENCY, target, (i, url) => {
      const roll = (i * 7919) % 100;
      if (roll < 70) return get(url, target.token, `/v1/secrets/${names(i % OPS)}`);
      if (roll < 90) return put(url, target.token, `/v1/secrets/${names(i % OPS)}`, { value: small() });
      return post(url, target.token, '/v1/secrets', { name: names(created++), value: small() });
    }),
  );
  results.push(await phase('create (64 KiB)', 60, 16, target, (i, url) => post(url, target.token, '/v1/secrets', { name: `big${run}_${i}`, value: big() })));
  results.push(await phase('read (64 KiB)', 200, 16, target, (i, url) => get(url, target.token, `/v1/secrets/big${run}_${i % 60}`)));
  return results;
}

/**
 * Runs creates, updates, reads of the latest version and of version 1 for WARMUP_SECONDS
 * each, on names of their own, and forgets their figures. The replicas are fresh processes:
 * without this, the first measured phase of each kind pays for V8 compiling its code path
 * (reads on a fresh cluster climb from about 600/s to 1,300/s over their first 10 s), and
 * the bench would measure a cold start rather than the steady state a running vault is in.
 * BENCH_WARMUP_SECONDS=0 measures the cold start (docs/benchmarks.md).
 */
async function warmUp(target: Target, run: string): Promise<void> {
  if (WARMUP_SECONDS <= 0) return;
  const names = (i: number) => `w${run}_${i}`;
  let created = 0;
  const existing = (i: number) => names(i % Math.max(1, created));
  await timedPhase('warm-up', WARMUP_SECONDS, CONCURRENCY, target, (i, url) => post(url, target.token, '/v1/secrets', { name: names(created++), value: small() }));
  await timedPhase('warm-up', WARMUP_SECONDS, CONCURRENCY, target, (i, url) => put(url, target.token, `/v1/secrets/${existing(i)}`, { value: small() }));
  await timedPhase('warm-up', WARMUP_SECONDS, CONCURRENCY, target, (i, url) => get(url, target.token, `/v1/secrets/${existing(i)}`));
  await timedPhase('warm-up', WARMUP_SECONDS, CONCURRENCY, target, (i, url) => get(url, target.token, `/v1/secrets/${existing(i)}?version=1`));
  target.cpu = target.cpu.filter((entry) => entry.phase !== 'warm-up');
  target.statements = target.statements.filter((entry) => entry.phase !== 'warm-up');
}

/** Starts a CPU profile on the first replica, runs `work`, stops it and summarises it. */
async function profiled(target: Target, work: () => Promise<PhaseResult>): Promise<string> {
  const replica = target.replicas[0];
  const before = new Set(await readdir(target.profileDir));
  process.kill(replica.pid!, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 200));
  const result = await work();
  process.kill(replica.pid!, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    const fresh = (await readdir(target.profileDir)).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
    if (fresh.length > 0) {
      const text = await readFile(join(target.profileDir, fresh[0]), 'utf8');
      await writeFile(resolve('.tmp/bench/replica-read.cpuprofile'), text);
      return `  (${result.ops} reads at ${result.opsPerSecond}/s while profiling; .tmp/bench/replica-read.cpuprofile)\n${profileSummary(JSON.parse(text))}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return '  (no profile was written)';
}

const small = () => randomBytes(48).toString('base64');
const big = () => randomBytes(49152).toString('base64'); // 64 KiB of text

async function phase(name: string, ops: number, concurrency: number, target: Target, op: (i: number, url: string) => Promise<number>): Promise<PhaseResult> {
  return run(name, concurrency, target, op, (i) => i < ops);
}

async function timedPhase(name: string, seconds: number, concurrency: number, target: Target, op: (i: number, url: string) => Promise<number>): Promise<PhaseResult> {
  const end = performance.now() + seconds * 1000;
  return run(name, concurrency, target, op, () => performance.now() < end);
}

async function run(name: string, concurrency: number, target: Target, op: (i: number, url: string) => Promise<number>, more: (i: number) => boolean): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const meter = new CpuMeter({
    replicas: () => target.replicas.flatMap((r) => (r.pid === undefined ? [] : [r.pid])),
    postgres: () => pidsNamed('postgres'),
    'load generator': () => [process.pid],
  });
  await resetStatementStats(target.databaseUrl);
  meter.start();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more(next)) {
        const i = next++;
        const t0 = performance.now();
        const status = await op(i, target.urls[i % target.urls.length]).catch(() => 0);
        if (status >= 200 && status < 300) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  target.cpu.push({ phase: name, cores: meter.stop() });
  target.statements.push({ phase: name, lines: statementLines(await statementStats(target.databaseUrl)) });
  return summarise(name, latencies, errors, concurrency, seconds);
}

function statementReport(target: Target): string[] {
  return target.statements.flatMap(({ phase, lines }) => [`  ${phase}:`, ...lines]);
}

function cpuLines(target: Target): string[] {
  return target.cpu.map(({ phase, cores }) => `  ${phase}: ${Object.entries(cores).map(([group, c]) => `${group} ${c.toFixed(2)}`).join(', ')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
