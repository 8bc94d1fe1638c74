import { Ids } from '../../common/ids';
import { VirtualClock } from '../../common/testing/virtual-clock';
import { CommitEngine } from '../../coordination/commit/commit-engine';
import { TransactionPlan, Unconfirmed } from '../../coordination/commit/coordinator';
import { PeerRouter } from '../../coordination/peer-router';
import { InMemoryNetwork } from '../../coordination/testing/in-memory-network';
import { ReplicaParticipant } from '../participant/replica-participant';
import { CommitDecision, PrepareInfo, validators } from '../protocol';
import { PreparedSplit } from '../secrets/split';
import { MemoryBackend } from '../state/memory-backend';
import { STATE_LOSS_MARGIN_MS } from '../state/replica-machine';
import { StateStore } from '../state/replica-state';

export interface ClusterNode {
  id: string;
  backend: MemoryBackend;
  state: StateStore;
  router: PeerRouter;
  engine: CommitEngine;
}

export interface CommitClusterOptions {
  ids: readonly string[];
  m: number;
  clock: VirtualClock;
  idGen: Ids;
  lockTtlMs?: number;
  peerTimeoutMs?: number;
  /** Crash points per replica (see CommitCoordinator); a crash throws CoordinatorCrashed. */
  faultPoints?: Record<string, string>;
}

/** What a crashed coordinator's `run` rejects with in these tests (instead of killing the process). */
export class CoordinatorCrashed extends Error {
  constructor() {
    super('coordinator crashed');
  }
}

export interface CommitCluster {
  network: InMemoryNetwork;
  nodes: Record<string, ClusterNode>;
  log: Array<{ node: string; level: string; msg: string; fields: Record<string, unknown> }>;
}

/**
 * n replicas in one process, each running the real commit engine and participant over its
 * own StateStore on a MemoryBackend, connected by an InMemoryNetwork, on one virtual clock.
 * Every replica has caught up, and the clock is past their states' loss margin.
 */
export async function commitCluster(options: CommitClusterOptions): Promise<CommitCluster> {
  const { clock, idGen } = options;
  const lockTtlMs = options.lockTtlMs ?? 5_000;
  const peerTimeoutMs = options.peerTimeoutMs ?? 1_000;
  const network = new InMemoryNetwork();
  const nodes: Record<string, ClusterNode> = {};
  const log: CommitCluster['log'] = [];
  for (const id of options.ids) {
    const backend = new MemoryBackend();
    const state = new StateStore(backend, id, clock, idGen);
    await state.start();
    await state.markCaughtUp(false);
    const router = new PeerRouter();
    const engine = new CommitEngine(network.transport(id), router, new ReplicaParticipant(state, lockTtlMs), {
      selfId: id,
      peerIds: options.ids,
      quorum: options.m,
      peerTimeoutMs,
      lockTtlMs,
      lockWaitMs: Math.min(5_000, lockTtlMs),
      clock,
      ids: idGen,
      faultPoint: options.faultPoints?.[id] ?? null,
      crash: () => {
        throw new CoordinatorCrashed();
      },
      log: (level, msg, fields) => log.push({ node: id, level, msg, fields }),
    });
    network.registerRouter(id, router);
    nodes[id] = { id, backend, state, router, engine };
  }
  await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
  return { network, nodes, log };
}

/** What the test plan's coordinator rejects with when its commit was not confirmed. */
export class CommitUnconfirmed extends Error {
  constructor(readonly state: Unconfirmed) {
    super(`commit not confirmed: ${state}`);
  }
}

/**
 * The smallest plan: create `name` with one share per replica; commit with m yes votes,
 * abort once every vote is in without them. Its decision is a real vault decision, so the
 * replicas' participants accept and apply it.
 */
export function createPlan(options: {
  name: string;
  /** More names created by the same transaction (each with the same split: one value for all). */
  alsoNames?: string[];
  split: PreparedSplit;
  m: number;
  lifetimeId: string;
  at: number;
}): TransactionPlan<PrepareInfo, CommitDecision & Record<string, unknown>, 'committed'> {
  const { name, split, m, lifetimeId, at } = options;
  const names = [name, ...(options.alsoNames ?? [])];
  return {
    names,
    prepareFor: (peerId) => ({ items: names.map((n) => ({ name: n, op: 'create', share: split.envelopeFor(peerId) })) }),
    readInfo: (info) => (validators.prepareInfo(info) ? info : null),
    decide(votes, final) {
      if (votes.filter((v) => v.yes).length >= m) {
        return {
          kind: 'commit',
          decision: { items: names.map((n) => createDecision(n, lifetimeId, at).items[0]) } as CommitDecision & Record<string, unknown>,
          requiredApplied: 0,
          onCommitted: () => 'committed',
          onUnconfirmed: (state) => new CommitUnconfirmed(state),
          onApplyShort: () => new Error('apply short'),
        };
      }
      return final ? { kind: 'abort', error: new Error('voting failed') } : null;
    },
  };
}

export function createDecision(name: string, lifetimeId: string, at: number): CommitDecision {
  return { items: [{ name, op: 'create', lifetimeId, revision: 1, version: 1, at }] };
}
