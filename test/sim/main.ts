import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkHistories, Violation } from '../support/history/check';
import { profileFor, simulate, SimOutcome, SimProfile } from './simulate';

/**
 * `npm run sim`: runs randomized simulated histories and checks them (docs/reliability.md).
 *   --seed S            replay exactly one history, printing its faults and any violation
 *   --histories N       how many histories (default 40), from --start-seed (default: random)
 *   --minutes M         run for M minutes instead
 *   --bug NAME          plant a bug (reader-ignores-locks | abort-at-lease-end); exit 0 only if the checker finds it
 *   --out DIR           where histories and visualisations go (default .tmp/sim)
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out = resolve(args.out ?? '.tmp/sim');
  mkdirSync(out, { recursive: true });
  const bug = args.bug as SimProfile['bug'];
  const started = Date.now();
  const deadline = args.minutes ? started + Number(args.minutes) * 60_000 : Infinity;
  const count = args.seed !== undefined ? 1 : args.minutes ? Infinity : Number(args.histories ?? 40);
  const first = args.seed !== undefined ? Number(args.seed) : Number(args['start-seed'] ?? Math.floor(Math.random() * 1e9));

  const outcomes: SimOutcome[] = [];
  const violations: Violation[] = [];
  let checked = 0;
  const check = () => {
    const batch = outcomes.slice(checked);
    if (args.seed === undefined) for (const o of batch) o.debug = { logs: {}, state: {} };
    checked = outcomes.length;
    if (batch.length === 0) return;
    const beyond = new Set(batch.filter((o) => o.beyondBudget).map((o) => o.history.id));
    violations.push(...checkHistories(batch.map((o) => o.history), out).filter((v) => !(beyond.has(v.history) && v.kind === 'acknowledged-write-unreadable')));
    for (const o of batch) for (const problem of o.problems) violations.push({ history: o.history.id, kind: 'state-after-healing', detail: problem });
  };
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const seed = first + i;
    outcomes.push(await simulate(seed, profileFor(seed, bug)));
    if (outcomes.length - checked >= 25) check();
    if (bug && violations.length > 0) break;
  }
  check();

  const operations = outcomes.reduce((a, o) => a + o.stats.operations, 0);
  const seconds = (Date.now() - started) / 1000;
  say(`simulated ${outcomes.length} histories (seeds ${first}..${first + outcomes.length - 1}), ${operations} operations, in ${seconds.toFixed(1)} s`);
  if (args.seed !== undefined) {
    const o = outcomes[0];
    say(`shape n=${profileFor(o.seed).n} k=${profileFor(o.seed).k} m=${profileFor(o.seed).m}; ${o.stats.messages} messages, ${o.stats.unknown} unknown outcomes, ${o.stats.virtualMs} virtual ms`);
    if (o.beyondBudget) say('  beyond the failure budget: durability is not checked');
    for (const line of o.stats.nemesis) say(`  nemesis ${line}`);
    writeFileSync(join(out, `seed-${o.seed}.json`), JSON.stringify(o.history, null, 1));
    writeFileSync(join(out, `seed-${o.seed}-replicas.json`), JSON.stringify(o.debug, null, 1));
    say(`history written to ${join(out, `seed-${o.seed}.json`)}`);
  }
  for (const v of violations) {
    say(`VIOLATION ${v.history}: ${v.kind}${v.name ? ` (${v.name})` : ''}: ${v.detail}${v.visualization ? `\n  see ${v.visualization}` : ''}`);
    say(`  replay: npm run sim -- --seed ${v.history.replace('seed-', '')}${bug ? ` --bug ${bug}` : ''}`);
  }
  if (bug) {
    if (violations.length === 0) {
      say(`the planted bug ${bug} was NOT found`);
      process.exit(1);
    }
    say(`the planted bug ${bug} was found`);
    return;
  }
  process.exit(violations.length > 0 ? 1 : 0);
}

function parseArgs(argv: string[]): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const key = argv[i].slice(2);
      const value = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
      args[key] = value;
    }
  }
  return args;
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`simulation failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(2);
});
