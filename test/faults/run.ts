import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../sim/prng';
import { checkHistories, Violation } from '../support/history/check';
import { findPlaintexts } from '../support/history/plaintext';
import { History } from '../support/history/types';
import { FaultCluster } from './cluster';
import { FAULT_KINDS, FaultKind, NemesisPlan, planNemesis, runNemesis, Shape } from './nemesis';
import { now, Recorder, runClient } from './workload';

export const PEER_TIMEOUT_MS = 1000;
/** The shortest lease the replica accepts with that peer timeout (3 x), so that healing is quick. */
export const LOCK_TTL_MS = 3000;
/** A paused replica's requests must end, not hang the run. */
export const CLIENT_TIMEOUT_MS = 15_000;
/** After healing, every lock and prepared share must be gone within this (a few leases). */
export const SETTLE_BOUND_MS = 4 * LOCK_TTL_MS;

export interface FaultProfile extends Shape {
  label: string;
  clients: number;
  names: number;
  /** How long the workload and the nemesis run. */
  chaosMs: number;
}

/** The two cluster shapes of the issue: 5 replicas (k=3, m=3) and 7 (k=3, m=4). */
export const PROFILES: Record<'5' | '7', Omit<FaultProfile, 'chaosMs'>> = {
  '5': { label: '5-replica', n: 5, k: 3, m: 3, clients: 6, names: 4 },
  '7': { label: '7-replica', n: 7, k: 3, m: 4, clients: 7, names: 5 },
};

export interface RunOptions {
  seed: number;
  profile: FaultProfile;
  databaseUrl: string;
  /** Where the run's history, logs and visualisations go. */
  outDir: string;
  /** VAULT_TEST_BUG for every replica: the checker must then find a violation. */
  bug?: string;
  /** The kinds of fault the nemesis draws (default: all); none: the workload alone. */
  faults?: readonly FaultKind[];
  say?: (line: string) => void;
}

export interface RunOutcome {
  seed: number;
  profile: string;
  plan: NemesisPlan;
  /** The nemesis steps as they really happened, with their offsets. */
  nemesis: string[];
  violations: Violation[];
  /** Beyond the failure budget: acknowledged writes found unreadable, which only safety runs allow. */
  excused: Violation[];
  stats: {
    operations: number;
    byResult: Record<string, number>;
    unknown: number;
    transport: { refused: number; lost: number };
    proxy: { connections: number; reset: number; swallowedChunks: number };
    /** From healing until no lock, open transaction or prepared share was left (or the bound). */
    settleMs: number | null;
    timings: { bootMs: number; chaosMs: number; healMs: number; checkMs: number; totalMs: number };
  };
}

/**
 * One run of the fault suite (docs/reliability.md): a real cluster behind the link proxies,
 * the randomized workload and the seeded nemesis for `chaosMs`, then heal everything, wait
 * until every replica is ready and nothing is left locked or prepared (bounded), read every
 * name once more, and check: the histories (test/support/history/check.ts, the simulation's
 * checker), what is left in every replica's tables, and every table and log for plaintext.
 */
export async function runOnce(options: RunOptions): Promise<RunOutcome> {
  const { seed, profile } = options;
  const say = options.say ?? (() => undefined);
  const started = now();
  const prng = new Prng(seed);
  const plan = planNemesis(prng.fork(), profile, profile.chaosMs, PEER_TIMEOUT_MS, options.faults ?? FAULT_KINDS);
  if (options.faults?.length === 0) plan.steps.length = 0;
  const runDir = join(options.outDir, `${profile.label}-seed-${seed}${options.bug ? `-${options.bug}` : ''}`);
  const logDir = join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const cluster = new FaultCluster({
    n: profile.n,
    k: profile.k,
    m: profile.m,
    databaseUrl: options.databaseUrl,
    logDir,
    lockTtlMs: LOCK_TTL_MS,
    peerTimeoutMs: PEER_TIMEOUT_MS,
    sweepIntervalMs: 500,
    prefix: `faults_${seed % 100000}_${randomBytes(3).toString('hex')}`,
    bug: options.bug,
  });
  const names = Array.from({ length: profile.names }, (_, i) => `s${i}`);
  const recorder = new Recorder(cluster, CLIENT_TIMEOUT_MS);
  const nemesisLog: string[] = [];
  const violations: Violation[] = [];
  const excused: Violation[] = [];
  const timings = { bootMs: 0, chaosMs: 0, healMs: 0, checkMs: 0, totalMs: 0 };
  let settleMs: number | null = null;
  let history: History = { id: `${profile.label}-seed-${seed}`, operations: [] };
  try {
    await cluster.start();
    timings.bootMs = now() - started;
    say(`  cluster of ${profile.n} ready in ${(timings.bootMs / 1000).toFixed(1)} s; chaos for ${profile.chaosMs / 1000} s`);

    // The workload and the nemesis, together, until the chaos ends.
    const chaosStart = now();
    const chaosOver = () => now() - chaosStart >= profile.chaosMs;
    const tag = `${seed.toString(36)}${randomBytes(2).toString('hex')}`;
    const clients = Array.from({ length: profile.clients }, (_, c) =>
      runClient(c, prng.fork(), recorder, cluster, { clients: profile.clients, names, tag }, chaosOver),
    );
    await runNemesis(plan, cluster, chaosStart, nemesisLog, chaosOver);
    const remaining = profile.chaosMs - (now() - chaosStart);
    if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
    timings.chaosMs = now() - chaosStart;

    // Heal: SIGCONT, restart what is down, every link passes. Clients finish what they had in flight.
    const healStart = now();
    for (const i of cluster.armed) {
      nemesisLog.push(`+${Math.round(healStart - chaosStart)}ms ${cluster.id(i)} ${cluster.condition(i) === 'down' ? 'had crashed at its point' : 'was armed and had not crashed'}`);
    }
    nemesisLog.push(`+${Math.round(healStart - chaosStart)}ms heal everything (SIGCONT, restart, every link passes)`);
    await cluster.healAll();
    await Promise.all(clients);
    await cluster.waitAllReady(60_000).catch((error: unknown) => {
      violations.push({ history: history.id, kind: 'state-after-healing', detail: `not every replica is ready (caught up) after healing: ${String(error)}` });
    });
    const leftoverProblems = await waitSettled(cluster, SETTLE_BOUND_MS);
    settleMs = leftoverProblems.length === 0 ? now() - healStart : null;
    timings.healMs = now() - healStart;

    // Every name once more: acknowledged writes must be readable.
    const picker = prng.fork();
    for (const name of names) await recorder.run(profile.clients, picker.int(0, profile.n - 1), name, { kind: 'read' }, true);

    const checkStart = now();
    history = { id: history.id, operations: recorder.operations };
    const problems = [...(await waitSettled(cluster, 2 * LOCK_TTL_MS)), ...(await findPlaintexts(cluster, recorder.values))];
    for (const detail of problems) violations.push({ history: history.id, kind: 'state-after-healing', detail });
    for (const v of checkHistories([history], runDir)) {
      // Beyond the budget an acknowledged write may be lost (the simulation's rule): reported, not failed.
      if (plan.beyondBudget && v.kind === 'acknowledged-write-unreadable') excused.push(v);
      else violations.push(v);
    }
    timings.checkMs = now() - checkStart;
    if (violations.length > 0) writeFileSync(join(runDir, 'replicas.json'), JSON.stringify(await dumpState(cluster), null, 1));
  } finally {
    history = { id: history.id, operations: recorder.operations };
    writeFileSync(join(runDir, 'history.json'), JSON.stringify(history, null, 1));
    writeFileSync(join(runDir, 'nemesis.txt'), nemesisLog.join('\n') + '\n');
    await cluster.shutdown().catch((error: unknown) => say(`  shutdown: ${String(error)}`));
  }
  timings.totalMs = now() - started;
  const byResult: Record<string, number> = {};
  for (const op of recorder.operations) byResult[op.output.result] = (byResult[op.output.result] ?? 0) + 1;
  return {
    seed,
    profile: profile.label,
    plan,
    nemesis: nemesisLog,
    violations,
    excused,
    stats: {
      operations: recorder.operations.length,
      byResult,
      unknown: byResult.unknown ?? 0,
      transport: recorder.transport,
      proxy: cluster.mesh?.totals() ?? { connections: 0, reset: 0, swallowedChunks: 0 },
      settleMs,
      timings,
    },
  };
}

/** What is left that should not be, on every replica: locks, open transactions, prepared shares, not caught up. */
async function leftovers(cluster: FaultCluster): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < cluster.n; i++) {
    const id = cluster.id(i);
    const locked = await cluster.query<{ name: string }>(i, `SELECT name FROM secret_state WHERE lock_tx IS NOT NULL ORDER BY name`);
    if (locked.length > 0) problems.push(`${id} still holds locks on ${locked.map((r) => r.name).join(', ')}`);
    const [open] = await cluster.query<{ count: string }>(i, `SELECT count(*) FROM tx_record WHERE outcome IS NULL AND lease_expires_at IS NOT NULL`);
    if (Number(open.count) > 0) problems.push(`${id} has ${open.count} unsettled transactions`);
    const [prepared] = await cluster.query<{ count: string }>(i, `SELECT count(*) FROM secret_version WHERE state = 'prepared'`);
    if (Number(prepared.count) > 0) problems.push(`${id} still holds ${prepared.count} prepared shares`);
    const meta = await cluster.query<{ caught_up: boolean }>(i, `SELECT caught_up FROM replica_meta`);
    if (!meta[0]?.caught_up) problems.push(`${id} has not caught up`);
  }
  return problems;
}

/** Every replica's names, versions (without share bytes or salts) and transactions, for a failing run's report. */
async function dumpState(cluster: FaultCluster): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (let i = 0; i < cluster.n; i++) {
    state[cluster.id(i)] = {
      names: await cluster.query(i, `SELECT * FROM secret_state ORDER BY name`),
      versions: await cluster.query(i, `SELECT name, lifetime_id, version, split_id, state, valid_from, valid_to, tx_id, created_at, updated_at FROM secret_version ORDER BY name, created_at`),
      transactions: await cluster.query(i, `SELECT * FROM tx_record ORDER BY created_at`),
    };
  }
  return state;
}

/** Polls until nothing is left over, or returns what still is when the bound runs out. */
async function waitSettled(cluster: FaultCluster, boundMs: number): Promise<string[]> {
  const deadline = now() + boundMs;
  for (;;) {
    const problems = await leftovers(cluster).catch((error: unknown) => [`cannot read the replicas' tables: ${String(error)}`]);
    if (problems.length === 0 || now() >= deadline) return problems;
    await new Promise((r) => setTimeout(r, 250));
  }
}
