import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BackgroundLoop } from '../../common/async';
import { JsonLogger } from '../../common/json-logger';
import { VaultConfig } from '../../config';
import { fanOut, PEER_TRANSPORT, PeerTransport } from '../../coordination/peer-transport';
import { PeerRouter } from '../../coordination/peer-router';
import { TwoPhaseService } from '../../coordination/two-phase/two-phase.service';
import { ChangesAnswer, ChangesRequest, FetchShareRequest, HistoryRequest, RepairRequest, SyncRequest, VAULT_ROUTES } from '../protocol';
import { DecisionLogStore } from '../state/decision-log.store';
import { manifestIsWellFormed, ReplicaStore } from '../state/replica-store';
import { VaultError } from '../../common/errors';
import { ReplicaParticipant } from './replica-participant';

/** A change younger than this may still have an uncommitted neighbour in sequence order. */
const SWEEP_SAFETY_MS = 5000;
const SWEEP_PAGE = 500;
const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * This replica's side of the peer API: binds the participant and decision log to the
 * two-phase protocol, serves share fetches, history, repair and state catch-up, and runs
 * the anti-entropy sweep that brings tombstones (and newer lifetimes) to replicas that
 * were away when they were written.
 */
@Injectable()
export class ReplicaServices implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly store: ReplicaStore;
  private readonly sweepCursors = new Map<string, number>();
  private readonly loops: BackgroundLoop[] = [];

  constructor(
    private readonly config: VaultConfig,
    @Inject(DataSource) private readonly db: DataSource,
    private readonly router: PeerRouter,
    private readonly twoPhase: TwoPhaseService,
    @Inject(PEER_TRANSPORT) private readonly transport: PeerTransport,
    private readonly logger: JsonLogger,
  ) {
    this.store = new ReplicaStore(db, config.nodeId);
  }

  onModuleInit(): void {
    this.twoPhase.bind(new DecisionLogStore(this.db), new ReplicaParticipant(this.store, this.config.lockTtlMs));
    this.router.register(VAULT_ROUTES.fetch, FetchShareRequest, (m) => this.store.fetchShare(m.name, m.version));
    this.router.register(VAULT_ROUTES.history, HistoryRequest, (m) => this.store.history(m.name));
    this.router.register(VAULT_ROUTES.repair, RepairRequest, async (m) => {
      if (!manifestIsWellFormed(m.share.manifest)) throw new VaultError('VALIDATION_FAILED', 'Invalid repair manifest.');
      return { outcome: await this.store.repair(m) };
    });
    this.router.register(VAULT_ROUTES.sync, SyncRequest, async (m) => ({ applied: await this.store.sync(m.names) }));
    this.router.register(VAULT_ROUTES.changes, ChangesRequest, async (m): Promise<ChangesAnswer> => ({
      changes: await this.store.changes(m.afterSeq, m.limit),
    }));
  }

  onApplicationBootstrap(): void {
    const onError = (what: string) => (error: unknown) =>
      this.logger.event('warn', `${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    this.loops.push(
      new BackgroundLoop(this.config.sweepIntervalMs, () => this.sweep(), onError('anti-entropy sweep')),
      new BackgroundLoop(60 * 60 * 1000, () => this.store.purgeIdempotency(new Date(Date.now() - IDEMPOTENCY_RETENTION_MS)), onError('idempotency purge')),
    );
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /**
   * Asks every other replica for the names it changed since the last sweep and adopts every
   * newer view. Tombstones are kept for good, so a replica back from any outage still
   * learns of a delete here and destroys its shares; the cursor only moves past changes old
   * enough that no earlier sequence number can still be uncommitted.
   */
  async sweep(): Promise<void> {
    const others = this.config.peers.map((p) => p.id).filter((id) => id !== this.config.nodeId);
    await fanOut<ChangesAnswer>(this.transport, others, VAULT_ROUTES.changes, (peerId): ChangesRequest => ({
      afterSeq: this.sweepCursors.get(peerId) ?? 0,
      limit: SWEEP_PAGE,
    }), (result) => {
      if (!result.ok) return;
      void this.adopt(result.peerId, result.value).catch((error) =>
        this.logger.event('warn', 'sweep adopt failed', { peer: result.peerId, error: String(error) }),
      );
    });
  }

  private async adopt(peerId: string, answer: ChangesAnswer): Promise<void> {
    const newer = await this.store.newerThanLocal(answer.changes);
    if (newer.length > 0) {
      const applied = await this.store.sync(newer);
      if (applied > 0) this.logger.event('info', 'adopted newer state from peer', { peer: peerId, names: applied });
    }
    let cursor = this.sweepCursors.get(peerId) ?? 0;
    for (const change of answer.changes) {
      if (change.ageMs < SWEEP_SAFETY_MS) break;
      cursor = change.seq;
    }
    this.sweepCursors.set(peerId, cursor);
  }
}
