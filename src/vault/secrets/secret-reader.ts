import { Inject, Injectable } from '@nestjs/common';
import { InsufficientShardsError, SecretNotFoundError, VersionNotFoundError } from '../../common/errors';
import { JsonLogger } from '../../common/json-logger';
import { VaultConfig } from '../../config';
import { fanOut, PEER_TRANSPORT, PeerTransport } from '../../coordination/peer-transport';
import { combineShares } from '../../shamir';
import { FetchShareAnswer, FetchShareRequest, HistoryAnswer, HistoryRequest, NameView, VAULT_ROUTES } from '../protocol';
import { authoritativeView, shouldRepair } from './quorum';
import { ReadStats } from './read-stats';
import { repairShares } from './read-repair';
import { GatherState, ReadyShares, ShareGathering } from './share-gathering';
import { StaleReplicaNotifier } from './stale-replicas';

export interface SecretVersionValue {
  name: string;
  version: number;
  value: string;
  validFrom: number;
  validTo: number | null;
}

export interface SecretHistory {
  name: string;
  versions: Array<{ version: number; validFrom: number; validTo: number | null }>;
}

/**
 * Reads: any replica gathers shares from all replicas at once, answers as soon as it has a
 * quorum view and k consistent shares, and keeps listening to the stragglers in the
 * background to count shares, tell stale replicas the current state and, for a latest read
 * close to the threshold, repair.
 */
@Injectable()
export class SecretReader {
  constructor(
    private readonly config: VaultConfig,
    @Inject(PEER_TRANSPORT) private readonly transport: PeerTransport,
    private readonly stats: ReadStats,
    private readonly stale: StaleReplicaNotifier,
    private readonly logger: JsonLogger,
  ) {}

  read(name: string, version?: number): Promise<SecretVersionValue> {
    const { n, k, m } = this.config;
    const gathering = new ShareGathering({ n, k, m, version });
    const request: FetchShareRequest = version === undefined ? { name } : { name, version };

    return new Promise<SecretVersionValue>((resolve, reject) => {
      let answered = false;
      const answerWith = (state: GatherState) => {
        answered = true;
        this.toResult(name, state).then(resolve, reject);
      };
      const everyone = fanOut<FetchShareAnswer>(
        this.transport,
        this.peerIds(),
        VAULT_ROUTES.fetch,
        () => request,
        (result) => {
          gathering.record(result.peerId, result.ok ? result.value : null);
          if (answered) return;
          const state = gathering.evaluate();
          if (state.kind !== 'waiting') answerWith(state);
        },
      );
      void everyone
        .then(() => {
          if (!answered) answerWith(gathering.evaluate());
          return this.afterRead(name, gathering, version === undefined);
        })
        .catch((error) => this.logger.event('warn', 'read follow-up failed', { name, error: String(error) }));
    });
  }

  async history(name: string): Promise<SecretHistory> {
    const answers = new Map<string, HistoryAnswer>();
    let failures = 0;
    const request: HistoryRequest = { name };
    await new Promise<void>((resolve) => {
      void fanOut<HistoryAnswer>(this.transport, this.peerIds(), VAULT_ROUTES.history, () => request, (result) => {
        if (result.ok) answers.set(result.peerId, result.value);
        else failures++;
        if (answers.size + failures === this.config.n || this.historyComplete(answers)) resolve();
      }).then(() => resolve());
    });
    if (answers.size < this.config.m) {
      throw new InsufficientShardsError(`Only ${answers.size} replicas answered; ${this.config.m} are needed to know the latest state.`);
    }
    const view = authoritativeView([...answers.values()].map((a) => a.view));
    if (view.status !== 'live') throw new SecretNotFoundError(name);

    const validFrom = new Map<number, number>();
    for (const answer of answers.values()) {
      if (answer.view.lifetimeId !== view.lifetimeId) continue;
      for (const v of answer.versions) if (v.version <= view.currentVersion) validFrom.set(v.version, v.validFrom);
    }
    const versions = [...validFrom.keys()].sort((a, b) => a - b);
    return {
      name,
      versions: versions.map((version, i) => ({
        version,
        validFrom: validFrom.get(version)!,
        validTo: i + 1 < versions.length ? validFrom.get(versions[i + 1])! : null,
      })),
    };
  }

  /** A quorum answered and, between them, they know every version 1..current. */
  private historyComplete(answers: Map<string, HistoryAnswer>): boolean {
    if (answers.size < this.config.m) return false;
    const view = authoritativeView([...answers.values()].map((a) => a.view));
    if (view.status !== 'live') return true;
    const known = new Set<number>();
    for (const answer of answers.values()) {
      if (answer.view.lifetimeId === view.lifetimeId) answer.versions.forEach((v) => known.add(v.version));
    }
    for (let v = 1; v <= view.currentVersion; v++) if (!known.has(v)) return false;
    return true;
  }

  private async toResult(name: string, state: GatherState): Promise<SecretVersionValue> {
    switch (state.kind) {
      case 'not-found':
        throw new SecretNotFoundError(name);
      case 'version-not-found':
        throw new VersionNotFoundError(name, state.version);
      case 'insufficient':
        throw state.reason === 'quorum'
          ? new InsufficientShardsError(`Only ${state.answered} replicas answered; ${this.config.m} are needed to know the latest state.`, { answered: state.answered })
          : new InsufficientShardsError(`Only ${state.good} consistent shares are reachable; ${this.config.k} are needed.`, { shares: state.good });
      case 'waiting':
        throw new Error('read answered before it was ready');
      case 'ready':
        return this.combine(name, state);
    }
  }

  private async combine(name: string, ready: ReadyShares): Promise<SecretVersionValue> {
    let bytes: Uint8Array;
    try {
      bytes = await combineShares(ready.shares.slice(0, this.config.k).map((s) => s.bytes));
    } catch {
      throw new InsufficientShardsError('The reachable shares do not combine into a value.', { shares: ready.shares.length });
    }
    return {
      name,
      version: ready.version,
      value: new TextDecoder().decode(bytes),
      validFrom: ready.validFrom,
      validTo: ready.validTo,
    };
  }

  private async afterRead(name: string, gathering: ShareGathering, latest: boolean): Promise<void> {
    const skipped = gathering.skipped();
    this.stats.shares.corruptSkipped += skipped.corrupt;
    this.stats.shares.foreignSkipped += skipped.foreign;

    const state = gathering.evaluate();
    const view: NameView = gathering.view();
    const stalePeers = gathering.stalePeers(view);
    if (view.revision > 0 && gathering.answeredPeers.length >= this.config.m) {
      for (const peerId of stalePeers) this.stale.notify(peerId, [{ name, view }]);
    }
    if (!latest || state.kind !== 'ready') return;
    const { k, b, n } = this.config;
    const targets = gathering.lackingPeers(state);
    if (targets.length === 0 || !shouldRepair(state.shares.length, k, b, n)) return;
    this.logger.event('info', 'read repair', { name, version: state.version, shares: state.shares.length, targets });
    await repairShares(this.transport, this.stats, name, state, targets, k);
  }

  private peerIds(): string[] {
    return this.config.peers.map((p) => p.id);
  }
}
