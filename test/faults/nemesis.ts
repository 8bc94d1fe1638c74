import { Prng } from '../sim/prng';
import { FaultCluster } from './cluster';
import { LinkMode } from './proxy';

/** A directed link: requests from `from` to `to` (and their answers). */
export type Link = [from: number, to: number];

export type NemesisAction =
  | { kind: 'kill'; replica: number; wipe: boolean }
  /** kill -9, then start it again armed (VAULT_FAULT_POINT): it kills itself at that point of the next write it coordinates. */
  | { kind: 'crash-point'; replica: number; point: CrashPoint }
  | { kind: 'restart'; replica: number }
  | { kind: 'pause'; replica: number }
  | { kind: 'resume'; replica: number }
  | { kind: 'links'; label: string; mode: LinkMode; delayMs?: number; links: Link[] }
  | { kind: 'heal-links' };

/** The coordinator's crash points (NODE_ENV=test): with its votes in, before any accept; once its commit is chosen, before anyone is told. */
export const CRASH_POINTS = ['before-accept', 'after-chosen'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface NemesisStep {
  /** ms after the chaos began. */
  at: number;
  action: NemesisAction;
}

export interface NemesisPlan {
  steps: NemesisStep[];
  /** More replicas' state is wiped than a write on exactly m replicas can lose (m - k): only safety is checked. */
  beyondBudget: boolean;
  wipes: number;
}

/** The kinds of fault a plan may draw; all of them unless the run says otherwise. */
export const FAULT_KINDS = ['crash', 'pause', 'partition', 'link'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Shape {
  n: number;
  k: number;
  m: number;
}

/** How long a restarted replica takes to serve again, and a wiped one to catch up, for the plan's budget. */
const BOOT_MS = 4000;
const CATCH_UP_MS = 3000;

/**
 * The whole fault schedule of one run, drawn from the seed before anything starts, so that
 * `--seed S` replays the same faults at the same offsets (real timing still differs):
 * kill -9 and restart (keeping or wiping the replica's schema), a coordinator crash at a
 * point of the commit protocol (the replica restarted with VAULT_FAULT_POINT), SIGSTOP/SIGCONT,
 * partitions (a minority cut off; majorities in a ring, each replica seeing a different
 * majority; a bridge, two halves that only one replica joins), one-way cuts, blackholed
 * links, and slow links (some slower than the peer timeout).
 *
 * Within the failure budget, at most n-m replicas are down, paused or cut off at once, and
 * at most m-k replicas' state is wiped per run (a write may sit on exactly m replicas).
 * Like the simulation, a run sometimes goes beyond: one replica more out now and then, and
 * with `beyondBudget` up to n-k wipes, after which only safety is checked.
 */
export function planNemesis(prng: Prng, shape: Shape, chaosMs: number, peerTimeoutMs: number, kinds: readonly FaultKind[] = FAULT_KINDS): NemesisPlan {
  const { n, k, m } = shape;
  const maxWipes = prng.chance(0.15) ? n - k : m - k;
  const steps: NemesisStep[] = [];
  /** Until when each replica is busy with a fault of its own (down, paused). */
  const busyUntil = Array.from({ length: n }, () => 0);
  /** Until when the links carry a partition, and which replicas it leaves out of the majority side. */
  let linksBusyUntil = 0;
  let cutOff: number[] = [];
  let wipes = 0;
  let lastWipeDone = 0;

  const out = (at: number) => {
    const set = new Set<number>(linksBusyUntil > at ? cutOff : []);
    busyUntil.forEach((until, i) => until > at && set.add(i));
    return set;
  };

  for (let at = prng.int(300, 1200); at < chaosMs - 500; at += prng.int(400, 1800)) {
    const budget = n - m + (prng.chance(0.2) ? 1 : 0);
    const outNow = out(at);
    const free = Array.from({ length: n }, (_, i) => i).filter((i) => busyUntil[i] <= at);
    // With every kind allowed: 30% crashes, 15% pauses, 30% partitions, 25% slow or blackholed links.
    const roll = draw(prng, kinds);
    if (roll < 0.3 && outNow.size < budget && free.length > 0) {
      const replica = prng.pick(free.filter((i) => !outNow.has(i)).length > 0 ? free.filter((i) => !outNow.has(i)) : free);
      // A second wipe only once the first has surely caught up: catching up needs n-m+1 caught-up peers.
      const wipe = wipes < maxWipes && at > lastWipeDone && prng.chance(0.3);
      const armed = !wipe && prng.chance(0.3);
      // An armed replica boots again first and then waits for a write to coordinate.
      const downMs = armed ? prng.int(5000, 9000) : prng.int(300, 4000);
      if (armed) steps.push({ at, action: { kind: 'crash-point', replica, point: prng.pick(CRASH_POINTS) } });
      else steps.push({ at, action: { kind: 'kill', replica, wipe } });
      steps.push({ at: Math.min(at + downMs, chaosMs), action: { kind: 'restart', replica } });
      busyUntil[replica] = at + downMs + BOOT_MS + (wipe ? CATCH_UP_MS : 0);
      if (wipe) {
        wipes++;
        lastWipeDone = busyUntil[replica] + CATCH_UP_MS;
      }
    } else if (roll < 0.45 && outNow.size < budget && free.length > 0) {
      const replica = prng.pick(free.filter((i) => !outNow.has(i)).length > 0 ? free.filter((i) => !outNow.has(i)) : free);
      // Sometimes longer than a lock lease: its writes' participants settle them without it.
      const pausedMs = prng.int(300, 6000);
      steps.push({ at, action: { kind: 'pause', replica } });
      steps.push({ at: Math.min(at + pausedMs, chaosMs), action: { kind: 'resume', replica } });
      busyUntil[replica] = at + pausedMs;
    } else if (roll < 0.75 && linksBusyUntil <= at) {
      const lasting = prng.int(500, 4000);
      const partition = drawPartition(prng, n, m, budget - outNow.size);
      steps.push({ at, action: { kind: 'links', label: partition.label, mode: 'cut', links: partition.links } });
      steps.push({ at: Math.min(at + lasting, chaosMs), action: { kind: 'heal-links' } });
      linksBusyUntil = at + lasting;
      cutOff = partition.cutOff;
    } else if (linksBusyUntil <= at) {
      const lasting = prng.int(500, 4000);
      const links = randomLinks(prng, n);
      const slow = prng.chance(0.6);
      if (slow) {
        // Mostly well within the peer timeout; now and then beyond it, so answers arrive after their caller gave up.
        const delayMs = prng.chance(0.2) ? prng.int(peerTimeoutMs, 2 * peerTimeoutMs) : prng.int(10, 300);
        steps.push({ at, action: { kind: 'links', label: `slow ${delayMs} ms`, mode: 'pass', delayMs, links } });
      } else {
        steps.push({ at, action: { kind: 'links', label: 'blackhole', mode: 'blackhole', links } });
      }
      steps.push({ at: Math.min(at + lasting, chaosMs), action: { kind: 'heal-links' } });
      linksBusyUntil = at + lasting;
      cutOff = [];
    }
  }
  steps.sort((a, b) => a.at - b.at);
  // Only wipes beyond m-k can lose an acknowledged write; the drawn chance alone does not.
  return { steps, beyondBudget: wipes > m - k, wipes };
}

/** A roll in [0, 1) that lands only in the bands of the allowed kinds (the plain roll when all are). */
function draw(prng: Prng, kinds: readonly FaultKind[]): number {
  const bands: Record<FaultKind, [number, number]> = { crash: [0, 0.3], pause: [0.3, 0.45], partition: [0.45, 0.75], link: [0.75, 1] };
  const roll = prng.random();
  if (kinds.length === FAULT_KINDS.length) return roll;
  const allowed = kinds.map((kind) => bands[kind]);
  const width = allowed.reduce((sum, [from, to]) => sum + to - from, 0);
  let rest = roll * width;
  for (const [from, to] of allowed) {
    if (rest < to - from) return from + rest;
    rest -= to - from;
  }
  return allowed[allowed.length - 1][0];
}

/** Both directions of every link between two groups. */
function between(a: number[], b: number[]): Link[] {
  return a.flatMap((x) => b.flatMap((y): Link[] => [[x, y], [y, x]]));
}

function shuffled(prng: Prng, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function drawPartition(prng: Prng, n: number, m: number, room: number): { label: string; links: Link[]; cutOff: number[] } {
  const order = shuffled(prng, n);
  const roll = prng.random();
  const name = (xs: number[]) => xs.map((i) => `n${i + 1}`).join(',');
  if (roll < 0.5) {
    // A minority cut off both ways: within the budget when it is at most n-m replicas.
    const size = Math.max(1, Math.min(Math.floor(n / 2), room > 0 && prng.chance(0.8) ? prng.int(1, Math.max(1, room)) : prng.int(1, Math.floor(n / 2))));
    const [a, b] = [order.slice(0, size), order.slice(size)];
    return { label: `partition minority ${name(a)} | ${name(b)}`, links: between(a, b), cutOff: a };
  }
  if (roll < 0.7) {
    // A bridge: two halves that cannot talk, and one replica that talks to both.
    const bridge = order[0];
    const half = Math.floor((n - 1) / 2);
    const [a, b] = [order.slice(1, 1 + half), order.slice(1 + half)];
    return { label: `partition bridge ${name(a)} | n${bridge + 1} | ${name(b)}`, links: between(a, b), cutOff: a.length <= b.length ? a : b };
  }
  if (roll < 0.85) {
    // Majorities in a ring: each replica talks to its m-1 nearest neighbours around the
    // ring, so each sees a majority, but no two see the same one.
    const reach = Math.ceil((m - 1) / 2);
    const links: Link[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const distance = Math.min(Math.abs(i - j), n - Math.abs(i - j));
        if (i !== j && distance > reach) links.push([order[i], order[j]]);
      }
    }
    return { label: `partition majorities-ring ${name(order)}`, links, cutOff: order };
  }
  // One-way: requests from one side to the other fail; the other way round still works.
  const size = prng.int(1, Math.floor(n / 2));
  const [a, b] = [order.slice(0, size), order.slice(size)];
  const links = a.flatMap((x) => b.map((y): Link => [x, y]));
  return { label: `one-way cut ${name(a)} -> ${name(b)}`, links, cutOff: [] };
}

/** One replica's links, one way or both, or a few random directed links. */
function randomLinks(prng: Prng, n: number): Link[] {
  const replica = prng.int(0, n - 1);
  const others = Array.from({ length: n }, (_, i) => i).filter((i) => i !== replica);
  const roll = prng.random();
  if (roll < 0.3) return others.flatMap((o): Link[] => [[replica, o], [o, replica]]);
  if (roll < 0.5) return others.map((o): Link => [replica, o]);
  const links: Link[] = [];
  for (let c = prng.int(1, n); c > 0; c--) {
    const from = prng.int(0, n - 1);
    const to = prng.pick(Array.from({ length: n }, (_, i) => i).filter((i) => i !== from));
    if (!links.some(([f, t]) => f === from && t === to)) links.push([from, to]);
  }
  return links;
}

export function describeAction(action: NemesisAction): string {
  const id = (i: number) => `n${i + 1}`;
  switch (action.kind) {
    case 'kill':
      return `kill -9 ${id(action.replica)}${action.wipe ? ' and wipe its schema' : ''}`;
    case 'crash-point':
      return `kill -9 ${id(action.replica)} and restart it to crash ${action.point} in its next write`;
    case 'restart':
      return `restart ${id(action.replica)}`;
    case 'pause':
      return `SIGSTOP ${id(action.replica)}`;
    case 'resume':
      return `SIGCONT ${id(action.replica)}`;
    case 'links':
      return `${action.label}: ${action.links.map(([f, t]) => `${id(f)}->${id(t)}`).join(' ')}`;
    case 'heal-links':
      return 'heal links';
  }
}

/**
 * Runs the plan against the cluster from `startedAt` (harness clock) until the plan ends or
 * `stopped()`; logs each step with the offset at which it really happened.
 */
export async function runNemesis(plan: NemesisPlan, cluster: FaultCluster, startedAt: number, log: string[], stopped: () => boolean): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const step of plan.steps) {
    const wait = startedAt + step.at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (stopped()) break;
    const offset = Math.round(performance.now() - startedAt);
    let line = `+${offset}ms ${describeAction(step.action)}`;
    if (step.action.kind === 'restart' && cluster.armed.has(step.action.replica)) {
      line += cluster.condition(step.action.replica) === 'down' ? ' (it had crashed at its point)' : ' (armed, it had not crashed: kill -9 first)';
    }
    log.push(line);
    // Restarts take seconds; the schedule goes on meanwhile (the plan never acts on a replica that is coming back).
    const done = apply(step.action, cluster).catch((error: unknown) => {
      log.push(`+${Math.round(performance.now() - startedAt)}ms ${describeAction(step.action)} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (step.action.kind === 'restart' || step.action.kind === 'crash-point') pending.push(done);
    else await done;
  }
  await Promise.all(pending);
}

async function apply(action: NemesisAction, cluster: FaultCluster): Promise<void> {
  switch (action.kind) {
    case 'kill':
      return cluster.kill(action.replica, action.wipe);
    case 'crash-point':
      return cluster.arm(action.replica, action.point);
    case 'restart':
      return cluster.restart(action.replica);
    case 'pause':
      return cluster.pause(action.replica);
    case 'resume':
      return cluster.resume(action.replica);
    case 'links':
      for (const [from, to] of action.links) cluster.mesh.link(from, to).set(action.mode, action.delayMs ?? 0);
      return;
    case 'heal-links':
      return cluster.mesh.healAll();
  }
}
