import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { e2eDatabaseUrl } from '../support/e2e-database';
import { runTool, ToolRun } from '../support/run-tool';

/**
 * The fault suite's fast profile (docs/reliability.md, "Fault suite"): real replica
 * processes on the run's Postgres, every peer link through a fault-injecting proxy, a
 * recorded randomized workload and a seeded nemesis (kill -9 and restart with or without
 * the schema, coordinators crashing at a point of the commit protocol, SIGSTOP/SIGCONT,
 * partitions, one-way cuts, blackholed and slow links), then
 * healing and the simulation's checker. One 5-replica run and one 7-replica run with fixed
 * seeds (faults-planted.e2e-spec.ts shows the checker finding a planted bug on real
 * replicas). Runs the compiled harness in its own process; `npm run test:faults -- --minutes M`
 * is the long profile.
 */
const ROOT = join(__dirname, '..', '..');
const HARNESS = join(ROOT, '.build', 'harness', 'test', 'faults', 'main.js');

/** Fixed seeds whose schedules between them use every kind of fault (printed by each run). */
const RUNS = [
  {
    profile: '5',
    seed: 223,
    chaosSeconds: 15,
    faults: [/kill -9 n\d\n/, /to crash before-accept/, /SIGSTOP/, /partition minority/, /partition bridge/, /partition majorities-ring/, /one-way cut/, /slow \d+ ms/, /blackhole/],
  },
  {
    profile: '7',
    seed: 415,
    chaosSeconds: 15,
    faults: [/kill -9 n\d\n/, /and wipe its schema/, /to crash after-chosen/, /SIGSTOP/, /partition minority/, /partition bridge/, /one-way cut/, /slow \d+ ms/, /blackhole/],
  },
];

function faults(args: string[]): Promise<ToolRun> {
  const databaseUrl = e2eDatabaseUrl();
  return runTool(process.execPath, [HARNESS, ...args, '--database-url', databaseUrl, '--out', join(ROOT, '.tmp', 'faults')], { cwd: ROOT, timeoutMs: 170_000 });
}

describe('fault suite on real processes (fast profile)', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.harness.json'], { cwd: ROOT, stdio: 'inherit' });
  });

  it.each(RUNS)('finds no violation in a $profile-replica run (seed $seed)', async ({ profile, seed, chaosSeconds, faults: injected }) => {
    const run = await faults(['--seed', String(seed), '--profile', profile, '--chaos-seconds', String(chaosSeconds)]);
    process.stdout.write(run.output);
    expect(run.output).toMatch(/verdict: PASS/);
    expect(run.output).not.toMatch(/VIOLATION/);
    // The run did something: its faults were injected, and operations were recorded.
    for (const fault of injected) expect(run.output).toMatch(fault);
    const operations = Number(/(\d+) operations \(/.exec(run.output)?.[1] ?? 0);
    expect(operations).toBeGreaterThan(50);
    expect(run.code).toBe(0);
  }, 180_000);
});
