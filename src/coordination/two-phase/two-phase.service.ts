import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BackgroundLoop } from '../../common/async';
import { JsonLogger } from '../../common/json-logger';
import { VaultConfig } from '../../config';
import { PEER_TRANSPORT, PeerTransport } from '../peer-transport';
import { PeerRouter } from '../peer-router';
import { DecisionStore } from './decision-store';
import { answerDecisionQuery, TransactionPlan, TwoPhaseCoordinator } from './coordinator';
import { CommitMessage, PrepareMessage, TX_ROUTES, TxIdMessage } from './messages';
import { TransactionParticipant } from './participant';
import { completeUnfinishedCommits, resolveInDoubt } from './recovery';
import { AbortGuardParticipant } from './abort-guard';

const FINISHED_DECISION_RETENTION_MS = 60 * 60 * 1000;

/**
 * The two-phase protocol as this replica runs it, both roles. The vault module binds its
 * decision store and participant here at start-up; coordination then serves the tx/*
 * routes, runs transactions for the vault's use cases, and keeps the two recovery loops
 * going: finishing decided commits (as coordinator) and settling in-doubt prepares (as
 * participant).
 */
@Injectable()
export class TwoPhaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private coordinator: TwoPhaseCoordinator | null = null;
  private store: DecisionStore | null = null;
  private participant: TransactionParticipant | null = null;
  private readonly loops: BackgroundLoop[] = [];

  constructor(
    private readonly config: VaultConfig,
    @Inject(PEER_TRANSPORT) private readonly transport: PeerTransport,
    private readonly router: PeerRouter,
    private readonly logger: JsonLogger,
  ) {}

  bind(store: DecisionStore, inner: TransactionParticipant): void {
    const participant = new AbortGuardParticipant(inner);
    this.store = store;
    this.participant = participant;
    this.coordinator = new TwoPhaseCoordinator(this.transport, store, {
      selfId: this.config.nodeId,
      peerIds: this.config.peers.map((p) => p.id),
      peerTimeoutMs: this.config.peerTimeoutMs,
      lockWaitMs: this.lockWaitMs,
      faultPoint: this.config.faultPoint,
      log: (level, msg, fields) => this.logger.event(level, msg, fields),
    });
    this.router.register(TX_ROUTES.prepare, PrepareMessage, (m) => participant.prepare(m.txId, m.coordinator, m.payload));
    this.router.register(TX_ROUTES.commit, CommitMessage, async (m) => {
      await participant.commit(m.txId, m.decision);
      return { ok: true };
    });
    this.router.register(TX_ROUTES.abort, TxIdMessage, async (m) => {
      await participant.abort(m.txId);
      return { ok: true };
    });
    this.router.register(TX_ROUTES.decision, TxIdMessage, (m) => answerDecisionQuery(store, m.txId));
  }

  /** How long a write may wait for other writes to the same names: short, bounded. */
  get lockWaitMs(): number {
    return Math.min(5000, this.config.lockTtlMs);
  }

  run<I, D extends Record<string, unknown>, R>(plan: TransactionPlan<I, D, R>, giveUpAt?: number): Promise<R> {
    if (!this.coordinator) throw new Error('two-phase protocol used before the vault bound its state');
    return this.coordinator.run(plan, giveUpAt);
  }

  onApplicationBootstrap(): void {
    const { store, participant, coordinator } = this;
    if (!store || !participant || !coordinator) return;
    const onError = (what: string) => (error: unknown) =>
      this.logger.event('warn', `${what} failed`, { error: error instanceof Error ? error.message : String(error) });

    this.loops.push(
      new BackgroundLoop(1000, async () => {
        const done = await completeUnfinishedCommits(store, coordinator, this.config.peerTimeoutMs + 500);
        if (done > 0) this.logger.event('info', 'completed decided commits', { count: done });
      }, onError('commit completion')),
      new BackgroundLoop(Math.max(200, Math.min(1000, this.config.lockTtlMs / 4)), async () => {
        const tally = await resolveInDoubt(participant, this.transport);
        if (tally.committed + tally.aborted + tally.unresolved > 0) this.logger.event('info', 'in-doubt transactions', tally);
      }, onError('in-doubt resolution')),
      new BackgroundLoop(10 * 60 * 1000, async () => {
        await store.purge(new Date(Date.now() - FINISHED_DECISION_RETENTION_MS));
      }, onError('decision log purge')),
    );
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
