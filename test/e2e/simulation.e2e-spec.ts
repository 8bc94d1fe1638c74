import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The deterministic simulation's fast profile (docs/reliability.md): a few hundred
 * randomized histories of real replica code over in-memory state and a faulty network,
 * each checked for linearizability (Porcupine) and the other properties; then the same
 * with a planted bug, which the checker must find. Runs the compiled harness in its own
 * process (outside Jest's sandbox, where the Shamir library is two orders slower).
 */
const ROOT = join(__dirname, '..', '..');
const SIM = join(ROOT, '.build', 'harness', 'test', 'sim', 'main.js');
/** Fixed seeds: CI is reproducible; `npm run sim -- --minutes N` explores new ones. */
const START_SEED = 7_000_000;

function sim(args: string[]) {
  return spawnSync(process.execPath, [SIM, ...args, '--out', join(ROOT, '.tmp', 'sim')], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
}

describe('deterministic simulation', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.harness.json'], { cwd: ROOT, stdio: 'inherit' });
  });

  it('checks the history checker itself (go test of its model)', () => {
    const result = spawnSync('go', ['test', './...'], { cwd: join(ROOT, 'test', 'checker'), encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toMatch(/^ok/m);
    expect(result.status).toBe(0);
  });

  it('finds no violation in 600 randomized histories of the real code', () => {
    const result = sim(['--histories', '600', '--start-seed', String(START_SEED)]);
    process.stdout.write(result.stdout);
    expect(result.stdout).toMatch(/simulated 600 histories/);
    expect(result.stdout).not.toMatch(/VIOLATION/);
    expect(result.status).toBe(0);
  });

  it.each(['reader-ignores-locks', 'abort-at-lease-end'])('finds the planted bug %s', (bug) => {
    const result = sim(['--histories', '400', '--start-seed', '1', '--bug', bug]);
    process.stdout.write(result.stdout.split('\n').slice(-6).join('\n'));
    expect(result.stdout).toMatch(/VIOLATION/);
    expect(result.stdout).toContain(`the planted bug ${bug} was found`);
    expect(result.status).toBe(0);
  });

  it('replays a history exactly from its seed', () => {
    const first = sim(['--seed', String(START_SEED + 3)]).stdout;
    const second = sim(['--seed', String(START_SEED + 3)]).stdout;
    const facts = (out: string) => out.split('\n').filter((l) => l.startsWith('shape') || l.includes('nemesis'));
    expect(facts(first).length).toBeGreaterThan(1);
    expect(facts(second)).toEqual(facts(first));
  });
});
