import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningPostgres } from '../../src/cluster/embedded-postgres';
import { Prng } from '../sim/prng';
import { freePort } from '../support/ports';
import { distModule, FaultCluster } from './cluster';
import { FAULT_KINDS, FaultKind } from './nemesis';
import { FaultProfile, PROFILES, RunOutcome, runOnce } from './run';

const USAGE = `npm run test:faults -- [options]   (docs/reliability.md, "Fault suite")
  --seed S             the first run's seed (default: random); alone, replays exactly that run's
                       nemesis schedule and workload choices (real timing differs)
  --minutes M          keep running runs (seeds S, S+1, ...) until M minutes are up
  --runs N             or run N runs (default 1)
  --profile 5|7        cluster shape: 5 replicas (k=3, m=3) or 7 (k=3, m=4); default: by seed
  --chaos-seconds C    how long the workload and nemesis run per run; default: by seed, 15..30
  --k K, --m M         another threshold or write quorum for the shape (e.g. --profile 5 --k 2: m + k <= n)
  --clients C          concurrent clients (default 6 with 5 replicas, 7 with 7)
  --names N            how many names they share (default 4 with 5 replicas, 5 with 7)
  --bug NAME           plant a bug in every replica (VAULT_TEST_BUG: reader-ignores-locks |
                       abort-at-lease-end); exit 0 only if the checker finds it
  --faults K,K,...     the kinds of fault the nemesis draws: crash (kill -9, restart, wipe), pause
                       (SIGSTOP/SIGCONT), partition (minority, majorities ring, bridge, one-way),
                       link (slow or blackholed links); default all; none: the workload alone
  --database-url URL   use this Postgres (default: start an embedded one)
  --out DIR            histories, replica logs and visualisations (default .tmp/faults)`;

function profileFor(seed: number, args: Record<string, string | undefined>): FaultProfile {
  const shape = args.profile === '5' || args.profile === '7' ? args.profile : seed % 2 === 0 ? '5' : '7';
  const chaosMs = args['chaos-seconds'] ? Number(args['chaos-seconds']) * 1000 : 15_000 + new Prng(seed ^ 0x5eed).int(0, 15) * 1000;
  const base = PROFILES[shape];
  return {
    ...base,
    label: args.k || args.m ? `${base.n}-replica-k${args.k ?? base.k}-m${args.m ?? base.m}` : base.label,
    k: Number(args.k ?? base.k),
    m: Number(args.m ?? base.m),
    chaosMs,
    clients: Number(args.clients ?? base.clients),
    names: Number(args.names ?? base.names),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return say(USAGE);
  if (args.profile && args.profile !== '5' && args.profile !== '7') throw new Error(`--profile must be 5 or 7\n${USAGE}`);
  const out = resolve(args.out ?? '.tmp/faults');
  const first = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 1e9);
  const started = Date.now();
  const deadline = args.minutes ? started + Number(args.minutes) * 60_000 : Infinity;
  const runs = args.minutes ? Infinity : Number(args.runs ?? 1);

  const faults = parseFaults(args.faults);
  const postgres = args['database-url'] ? null : await embeddedPostgres();
  const databaseUrl = args['database-url'] ?? postgres!.url;
  // Interrupted: no replica left paused or running, and the embedded Postgres stopped.
  const interrupted = async () => {
    for (const cluster of FaultCluster.live) cluster.killEverything();
    await postgres?.stop().catch(() => undefined);
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());
  const outcomes: RunOutcome[] = [];
  try {
    for (let i = 0; i < runs && Date.now() < deadline; i++) {
      const seed = first + i;
      const profile = profileFor(seed, args);
      say(`run ${i + 1}: seed ${seed}, ${profile.label} (n=${profile.n} k=${profile.k} m=${profile.m}), ${profile.clients} clients on ${profile.names} names${args.bug ? `, planted bug ${args.bug}` : ''}`);
      const outcome = await runOnce({ seed, profile, databaseUrl, outDir: out, bug: args.bug, faults, say });
      outcomes.push(outcome);
      report(outcome, profile, args);
      if (args.bug && outcome.violations.length > 0) break;
    }
  } finally {
    await postgres?.stop().catch(() => undefined);
    if (postgres) await rm(postgres.dir, { recursive: true, force: true });
  }

  const operations = outcomes.reduce((a, o) => a + o.stats.operations, 0);
  const unknown = outcomes.reduce((a, o) => a + o.stats.unknown, 0);
  const failed = outcomes.filter((o) => o.violations.length > 0);
  say(`fault suite: ${outcomes.length} runs, ${operations} operations (${unknown} unknown outcomes), ${failed.length} with violations, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (args.bug) {
    say(failed.length > 0 ? `the planted bug ${args.bug} was found` : `the planted bug ${args.bug} was NOT found`);
    process.exit(failed.length > 0 ? 0 : 1);
  }
  process.exit(failed.length > 0 ? 1 : 0);
}

function report(o: RunOutcome, profile: FaultProfile, args: Record<string, string | undefined>): void {
  const s = o.stats;
  if (o.plan.beyondBudget) say(`  beyond the failure budget: ${o.plan.wipes} replicas' state wiped, more than m-k=${profile.m - profile.k}; only safety is checked`);
  say(`  nemesis plan: ${o.plan.steps.length} steps; as run:`);
  for (const line of o.nemesis) say(`    ${line}`);
  const results = Object.entries(s.byResult).map(([k, v]) => `${k} ${v}`).join(', ');
  say(`  ${s.operations} operations (${results}); transport: ${s.transport.refused} refused, ${s.transport.lost} lost; proxies: ${s.proxy.connections} connections, ${s.proxy.reset} reset, ${s.proxy.swallowedChunks} chunks swallowed`);
  const t = s.timings;
  say(`  settled ${s.settleMs === null ? 'NOT within the bound' : `${(s.settleMs / 1000).toFixed(1)} s after healing began`}; boot ${sec(t.bootMs)}, chaos ${sec(t.chaosMs)}, heal ${sec(t.healMs)}, checks ${sec(t.checkMs)}, total ${sec(t.totalMs)}`);
  for (const v of o.excused) say(`  beyond the budget, not a violation: ${v.detail}`);
  if (o.violations.length === 0) return say(`  verdict: PASS`);
  say(`  verdict: ${o.violations.length} VIOLATION(S)`);
  for (const v of o.violations) say(`  VIOLATION ${v.history}: ${v.kind}${v.name ? ` (${v.name})` : ''}: ${v.detail}${v.visualization ? `\n    see ${v.visualization}` : ''}`);
  const replay = [`--seed ${o.seed}`, `--profile ${profile.n}`, ...(args.k ? [`--k ${args.k}`] : []), ...(args.m ? [`--m ${args.m}`] : []), `--chaos-seconds ${profile.chaosMs / 1000}`, `--clients ${profile.clients}`, `--names ${profile.names}`, ...(args.bug ? [`--bug ${args.bug}`] : []), ...(args.faults ? [`--faults ${args.faults}`] : [])];
  say(`  replay: npm run test:faults -- ${replay.join(' ')}`);
  say(`    (the same nemesis schedule and workload choices; real timing differs, so the same interleaving is likely, not certain)`);
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function embeddedPostgres(): Promise<RunningPostgres & { dir: string }> {
  const { startEmbeddedPostgres } = distModule<typeof import('../../src/cluster/embedded-postgres')>('cluster/embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'vault-faults-pg-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter this folder.
  await chmod(dir, 0o711);
  const port = await freePort();
  say(`starting an embedded Postgres on port ${port} ...`);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, user: 'vault', password: 'faults', database: 'vault' });
  return { ...pg, dir };
}

function parseFaults(raw: string | undefined): FaultKind[] {
  if (raw === undefined) return [...FAULT_KINDS];
  if (raw === 'none') return [];
  const kinds = raw.split(',');
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`--faults: unknown kind ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')}, or none)\n${USAGE}`);
  return kinds as FaultKind[];
}

function parseArgs(argv: string[]): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    const key = argv[i].slice(2);
    args[key] = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return args;
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`fault suite failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(2);
});
