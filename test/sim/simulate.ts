import { parse as parseDotenv } from 'dotenv';
import { VaultError } from '../../src/common/errors';
import type { TestBug } from '../../src/config/vault-config';
import { plantedBugs, ReplicaSettings } from '../../src/vault/replica';
import { classifyError, ErrorAnswer } from '../support/history/classify';
import { History, OperationInput, OperationOutput, RecordedOperation } from '../support/history/types';
import { EventLoop } from './event-loop';
import { Prng } from './prng';
import { CALM, SimNetwork } from './sim-network';
import { SimNode } from './sim-node';

export interface SimProfile {
  n: number;
  k: number;
  m: number;
  names: number;
  clients: number;
  opsPerClient: number;
  /** Virtual ms during which the nemesis injects faults. */
  chaosMs: number;
  faults: boolean;
  /** Planted bug, to show that the checker finds it (docs/reliability.md). */
  bug?: TestBug;
}

export interface SimOutcome {
  seed: number;
  history: History;
  /** End-of-run invariants: locks or prepared shares left after healing, plaintext found, replicas not caught up. */
  problems: string[];
  /**
   * More replicas' state was wiped than a write on exactly m replicas can lose (m - k): an
   * acknowledged write may then be gone, so only safety is checked, not durability.
   */
  beyondBudget: boolean;
  stats: { operations: number; unknown: number; messages: number; events: number; virtualMs: number; nemesis: string[] };
  /** Every replica's log and final state, for replaying one seed. */
  debug: { logs: Record<string, string[]>; state: Record<string, unknown> };
}

const PEER_TIMEOUT_MS = 1000;
const LOCK_TTL_MS = 3000;
const CLIENT_TIMEOUT_MS = 20_000;

/** The cluster shapes the simulation cycles through: the default, and two with m + k <= n. */
export const SHAPES: Array<Pick<SimProfile, 'n' | 'k' | 'm'>> = [
  { n: 5, k: 3, m: 3 },
  { n: 5, k: 2, m: 3 },
  { n: 7, k: 3, m: 4 },
];

/** Seeds cycle through the cluster shapes; the workload is small and busy on few names. */
export function profileFor(seed: number, bug?: SimProfile['bug']): SimProfile {
  return { ...SHAPES[seed % SHAPES.length], names: 3, clients: 5, opsPerClient: 14, chaosMs: 8000, faults: true, bug };
}

/**
 * One randomized history (docs/reliability.md, "Deterministic simulation"): a cluster of
 * real replicas over in-memory state and a faulty in-memory network, clients issuing
 * creates, updates, deletes, reads, history and `.env` requests, and a nemesis crashing and
 * restarting replicas (keeping or wiping their state), cutting links and partitions, and
 * dropping, delaying, duplicating and reordering messages. Then everything heals, every
 * name is read once more, and the replicas' state is checked. Everything random comes from
 * `seed`, and time is virtual.
 */
export async function simulate(seed: number, profile: SimProfile): Promise<SimOutcome> {
  const prng = new Prng(seed);
  const loop = new EventLoop();
  const started = loop.now;
  const ids = Array.from({ length: profile.n }, (_, i) => `n${i + 1}`);
  const network = new SimNetwork(loop, prng.fork(), PEER_TIMEOUT_MS);
  const settings: ReplicaSettings = {
    selfId: '',
    peerIds: ids,
    n: profile.n,
    k: profile.k,
    m: profile.m,
    b: 1,
    peerTimeoutMs: PEER_TIMEOUT_MS,
    lockTtlMs: LOCK_TTL_MS,
    sweepIntervalMs: 500,
    peerSecret: 's'.repeat(32),
    bugs: plantedBugs(profile.bug),
  };
  const nodes = ids.map((id) => new SimNode(id, { ...settings, selfId: id }, loop, network, prng.fork(), prng.int(-20, 20)));
  for (const node of nodes) await node.start();
  await loop.run(loop.now + 10_000, () => nodes.every((n) => n.backend.dump().meta?.caughtUp));

  const recorder = new Recorder(loop);
  const names = Array.from({ length: profile.names }, (_, i) => `s${i}`);
  const nemesisLog: string[] = [];
  const chaosEnd = loop.now + profile.chaosMs;
  const nemesisPrng = prng.fork();
  const beyondBudget = profile.faults && nemesisPrng.chance(0.15);
  const maxWipes = beyondBudget ? profile.n - profile.k : profile.m - profile.k;
  if (profile.faults) scheduleNemesis(loop, nemesisPrng, network, nodes, profile, chaosEnd, nemesisLog, maxWipes);

  let clientsDone = 0;
  for (let c = 0; c < profile.clients; c++) {
    const client = new Client(c, loop, prng.fork(), nodes, names, recorder, profile.opsPerClient, () => clientsDone++);
    loop.schedule(prng.int(0, 50), () => client.step());
  }
  await loop.run(chaosEnd + 120_000, () => clientsDone === profile.clients && loop.now >= chaosEnd);

  // Heal everything and let the cluster settle for a bounded time.
  network.healAll();
  network.faults = CALM;
  for (const node of nodes) if (!node.up) await node.start();
  nemesisLog.push(`${loop.now} heal`);
  await loop.run(loop.now + 3 * LOCK_TTL_MS + 2000);

  // Every name once more, after healing: acknowledged writes must be readable.
  let finalsDone = 0;
  const finalClient = profile.clients;
  const picker = prng.fork();
  for (const name of names) {
    const node = picker.pick(nodes);
    recorder.run(finalClient, node, { kind: 'read' }, name, () => finalsDone++, true);
  }
  await loop.run(loop.now + 60_000, () => finalsDone === names.length);
  await loop.run(loop.now + 2 * LOCK_TTL_MS);

  // Beyond the failure budget only safety is owed: no lock or catch-up liveness, no durability.
  const problems = [...(beyondBudget ? [] : leftovers(nodes)), ...plaintexts(nodes, recorder.values)];
  return {
    seed,
    history: { id: `seed-${seed}`, operations: recorder.operations },
    problems,
    beyondBudget,
    stats: {
      operations: recorder.operations.length,
      unknown: recorder.operations.filter((o) => o.output.result === 'unknown').length,
      messages: network.messages,
      events: loop.events,
      virtualMs: loop.now - started,
      nemesis: nemesisLog,
    },
    debug: {
      logs: Object.fromEntries(nodes.map((n) => [n.id, n.log])),
      state: Object.fromEntries(nodes.map((n) => [n.id, { ...n.backend.dump(), shares: n.backend.dump().shares.map((s) => ({ ...s, share: undefined, salt: undefined })) }])),
    },
  };
}

/** Records each client operation with its virtual call and return times. */
class Recorder {
  readonly operations: RecordedOperation[] = [];
  readonly values: string[] = [];

  constructor(private readonly loop: EventLoop) {}

  /** Runs one single-name operation on `node` and records it. */
  run(client: number, node: SimNode, input: OperationInput, name: string, done: () => void, final = false): void {
    const call = this.loop.now;
    let finished = false;
    const record = (output: OperationOutput) => {
      if (finished) return;
      finished = true;
      this.operations.push({ client, name, input, output, call, return: this.loop.now, ...(final ? { final } : {}) });
      done();
    };
    const replica = node.replica;
    if (!replica) return record(classifyError(input, { transport: 'refused' }));
    this.loop.schedule(CLIENT_TIMEOUT_MS, () => record(classifyError(input, { transport: 'lost' })));
    const gatewayTime = this.loop.now;
    const attempt = (): Promise<OperationOutput> => {
      switch (input.kind) {
        case 'create':
          return replica.writer.create({ name, value: input.value!, gatewayTime }).then((w) => ({ result: 'ok', version: w.version }));
        case 'update':
          return replica.writer
            .update({ name, value: input.value!, gatewayTime, expectedVersion: input.expectedVersion })
            .then((w) => ({ result: 'ok', version: w.version }));
        case 'delete':
          return replica.deleter.delete({ name, gatewayTime }).then(() => ({ result: 'ok' }));
        case 'read':
          return replica.reader.read(name, input.version).then((r) => ({ result: 'ok', version: r.version, value: r.value }));
        case 'history':
          return replica.reader.history(name).then((h) => ({ result: 'ok', count: h.versions.length }));
      }
    };
    attempt().then(record, (error: unknown) => record(classifyError(input, errorAnswer(error))));
  }

  /** A `.env` request: its enc(...) creates and secret(...) reads recorded as single-name operations of the same interval. */
  env(client: number, node: SimNode, encs: Array<{ name: string; value: string }>, refs: string[], done: () => void): void {
    const call = this.loop.now;
    let finished = false;
    const push = (name: string, input: OperationInput, output: OperationOutput) =>
      this.operations.push({ client, name, input, output, call, return: this.loop.now });
    const record = (outcome: { created?: boolean; content?: string; error?: unknown }) => {
      if (finished) return;
      finished = true;
      if (outcome.content !== undefined) {
        const parsed = parseDotenv(outcome.content);
        for (const e of encs) push(e.name, { kind: 'create', value: e.value }, { result: 'ok', version: 1 });
        for (const ref of refs) push(ref, { kind: 'read' }, { result: 'ok', version: 0, value: parsed[`R_${ref}`] });
      } else {
        const error = outcome.error;
        const code = error instanceof VaultError ? error.code : undefined;
        const listed = error instanceof VaultError && Array.isArray(error.extra.names) ? (error.extra.names as string[]) : [];
        for (const e of encs) {
          const input: OperationInput = { kind: 'create', value: e.value };
          if (code === 'ENV_SECRET_ALREADY_EXISTS') push(e.name, input, listed.includes(e.name) ? { result: 'exists' } : { result: 'no-effect' });
          else if (code === 'ENV_REFERENCE_UNRESOLVED' || code === 'ENV_VALUE_NOT_REPRESENTABLE') push(e.name, input, { result: 'no-effect' });
          else push(e.name, input, classifyError(input, error === 'lost' ? { transport: 'lost' } : errorAnswer(error)));
        }
        if (code === 'ENV_REFERENCE_UNRESOLVED') for (const ref of refs.filter((r) => listed.includes(r))) push(ref, { kind: 'read' }, { result: 'not-found' });
      }
      done();
    };
    const replica = node.replica;
    if (!replica) {
      for (const e of encs) push(e.name, { kind: 'create', value: e.value }, { result: 'no-effect' });
      finished = true;
      done();
      return;
    }
    this.loop.schedule(CLIENT_TIMEOUT_MS, () => record({ error: 'lost' }));
    const content = [...encs.map((e) => `${e.name}=enc(${e.value})`), ...refs.map((r) => `R_${r}=secret(${r})`)].join('\n') + '\n';
    replica.env.apply({ content, gatewayTime: this.loop.now }).then(
      (result) => record({ content: result.content }),
      (error: unknown) => record({ error }),
    );
  }
}

function errorAnswer(error: unknown): ErrorAnswer {
  if (!(error instanceof VaultError)) return { transport: 'lost' };
  return {
    code: error.code,
    phase: error.extra.phase as string | undefined,
    outcome: error.extra.outcome as string | undefined,
    currentVersion: error.extra.currentVersion as number | undefined,
  };
}

/** One client: a sequence of random operations on random replicas, one at a time. */
class Client {
  private count = 0;
  private written = 0;

  constructor(
    private readonly id: number,
    private readonly loop: EventLoop,
    private readonly prng: Prng,
    private readonly nodes: SimNode[],
    private readonly names: string[],
    private readonly recorder: Recorder,
    private readonly ops: number,
    private readonly finished: () => void,
  ) {}

  step(): void {
    if (this.count++ >= this.ops) return this.finished();
    const node = this.prng.pick(this.nodes);
    const name = this.prng.pick(this.names);
    const next = () => this.loop.schedule(this.prng.int(0, 40), () => this.step());
    const roll = this.prng.random();
    const value = () => {
      const v = `val-${this.id}-${this.written++}-${this.prng.int(0, 1e9).toString(36)}`;
      this.recorder.values.push(v);
      return v;
    };
    if (roll < 0.15) return this.recorder.run(this.id, node, { kind: 'create', value: value() }, name, next);
    if (roll < 0.4) return this.recorder.run(this.id, node, { kind: 'update', value: value() }, name, next);
    if (roll < 0.47) {
      const expectedVersion = this.prng.int(1, 4);
      return this.recorder.run(this.id, node, { kind: 'update', value: value(), expectedVersion }, name, next);
    }
    if (roll < 0.55) return this.recorder.run(this.id, node, { kind: 'delete' }, name, next);
    if (roll < 0.85) return this.recorder.run(this.id, node, { kind: 'read' }, name, next);
    if (roll < 0.9) return this.recorder.run(this.id, node, { kind: 'read', version: this.prng.int(1, 3) }, name, next);
    if (roll < 0.94) return this.recorder.run(this.id, node, { kind: 'history' }, name, next);
    const others = this.names.filter((n) => n !== name);
    const ref = this.prng.pick(others);
    return this.recorder.env(this.id, node, [{ name, value: value() }], [ref], next);
  }
}

/**
 * Faults during [now, chaosEnd): crashes (state kept, or wiped or restored from a backup: at most `maxWipes` per
 * history, m-k within the budget, since a write may sit on exactly m replicas), restarts,
 * partitions, one-way cuts, and lossy, duplicating, reordering links. Mostly within the
 * failure budget (at most n-m replicas down), sometimes beyond it.
 */
function scheduleNemesis(loop: EventLoop, prng: Prng, network: SimNetwork, nodes: SimNode[], profile: SimProfile, chaosEnd: number, log: string[], maxWipes: number): void {
  let wipes = 0;
  const act = () => {
    if (loop.now >= chaosEnd) return;
    const down = nodes.filter((n) => !n.up).length;
    const budget = profile.n - profile.m + (prng.chance(0.2) ? 1 : 0);
    const roll = prng.random();
    // Every replica up keeps one backup, taken at the first step after its last restore: a
    // restore puts back a state from a fraction of a second to many seconds old.
    for (const node of nodes) if (node.up) node.backUp();
    if (roll < 0.35 && down < budget) {
      const node = prng.pick(nodes.filter((n) => n.up));
      const wipe = wipes < maxWipes && prng.chance(0.25) && nodes.every((n) => n.backend.dump().meta?.caughtUp !== false);
      if (wipe) wipes++;
      // A lost state comes back empty, or as a backup restored by the procedure (it lacks whatever came after the backup).
      const state = !wipe ? 'kept' : node.hasBackup && prng.chance(0.5) ? 'restored' : 'wiped';
      node.crash(state);
      log.push(`${loop.now} crash ${node.id}${state === 'kept' ? '' : ` (state ${state})`}`);
      loop.schedule(prng.int(300, 4000), () => {
        if (node.up) return;
        log.push(`${loop.now} restart ${node.id}`);
        void node.start();
      });
    } else if (roll < 0.55) {
      const shuffled = [...nodes].sort(() => prng.random() - 0.5);
      const cut = prng.int(1, Math.floor(profile.n / 2));
      const [a, b] = [shuffled.slice(0, cut), shuffled.slice(cut)];
      for (const x of a) for (const y of b) {
        network.cutLink(x.id, y.id);
        network.cutLink(y.id, x.id);
      }
      log.push(`${loop.now} partition ${a.map((n) => n.id).join(',')} | ${b.map((n) => n.id).join(',')}`);
      loop.schedule(prng.int(300, 3000), () => {
        network.healAll();
        log.push(`${loop.now} heal links`);
      });
    } else if (roll < 0.7) {
      const from = prng.pick(nodes);
      const to = prng.pick(nodes.filter((n) => n !== from));
      network.cutLink(from.id, to.id);
      log.push(`${loop.now} cut ${from.id}->${to.id}`);
    } else {
      network.faults = {
        dropRate: prng.chance(0.5) ? prng.random() * 0.15 : 0,
        duplicateRate: prng.random() * 0.1,
        minDelayMs: 1,
        maxDelayMs: prng.pick([3, 20, 60, 200]),
      };
      log.push(`${loop.now} network drop=${network.faults.dropRate.toFixed(2)} delay<=${network.faults.maxDelayMs}`);
    }
    loop.schedule(prng.int(200, 1500), act);
  };
  loop.schedule(prng.int(50, 500), act);
}

/** After healing and a bounded wait: no lock, no unfinished transaction holding one, no prepared share; every replica caught up. */
function leftovers(nodes: SimNode[]): string[] {
  const problems: string[] = [];
  for (const node of nodes) {
    const state = node.backend.dump();
    const locked = state.names.filter((r) => r.lockTx !== null).map((r) => r.name);
    if (locked.length > 0) problems.push(`${node.id} still holds locks on ${locked.join(', ')}`);
    const open = state.txs.filter((t) => t.outcome === null && t.leaseExpiresAt !== null);
    if (open.length > 0) problems.push(`${node.id} has ${open.length} unsettled transactions`);
    const prepared = state.shares.filter((s) => s.state === 'prepared');
    if (prepared.length > 0) problems.push(`${node.id} still holds ${prepared.length} prepared shares`);
    if (!state.meta?.caughtUp) problems.push(`${node.id} has not caught up`);
  }
  return problems;
}

/** No written value, in any form, in any replica's state or log. */
function plaintexts(nodes: SimNode[], values: string[]): string[] {
  const problems: string[] = [];
  for (const node of nodes) {
    const state = node.backend.dump();
    const text = [
      JSON.stringify(state.names),
      JSON.stringify(state.txs),
      JSON.stringify(state.idempotency),
      JSON.stringify(state.shares.map((s) => ({ ...s, share: s.share?.toString('hex'), salt: s.salt?.toString('hex') }))),
      state.shares.map((s) => s.share?.toString('base64') ?? '').join('\n'),
      node.log.join('\n'),
    ].join('\n');
    for (const value of values) {
      const forms = [value, Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64').replace(/=+$/, '')];
      if (forms.some((f) => text.includes(f))) problems.push(`${node.id} holds the plaintext ${value}`);
    }
  }
  return problems;
}
