import { Clock } from '../../common/clock';
import { InsufficientShardsError, SecretNotFoundError, VersionNotFoundError } from '../../common/errors';
import { TxHeader } from '../../coordination/commit/participant';
import { PeerHealth } from '../../coordination/peer-health';
import { callPeer, PeerResult, PeerTransport } from '../../coordination/peer-transport';
import { combineShares } from '../../shamir';
import { ClusterSettings, FetchShareAnswer, FetchShareRequest, HistoryAnswer, HistoryRequest, LockInfo, NameView, VAULT_ROUTES } from '../protocol';
import { authoritativeView, shouldRepair } from './quorum';
import { ReadStats } from './read-stats';
import { GatherState, ReadyShares, ShareGathering } from './share-gathering';

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

export interface ReaderOptions extends ClusterSettings {
  transport: PeerTransport;
  clock: Clock;
  health: PeerHealth;
  stats: ReadStats;
  /** Tells a replica that answered with an older view the current one (fire and forget). */
  notifyStale: (peerId: string, names: Array<{ name: string; view: NameView }>) => void;
  /** Finishes an unfinished transaction whose lease ran out (a higher ballot). */
  settle: (header: TxHeader, deadline: number) => Promise<unknown>;
  /** Restores the placement of a version read close to the threshold (a resplit). */
  repair: (name: string, ready: ReadyShares, value: string) => Promise<void>;
  log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
  /** Test-only planted bugs, set by the simulation to show that its checker finds them; never by config. */
  bugs?: { readerIgnoresLocks?: boolean };
}

type Behind = Extract<GatherState, { kind: 'behind' }>;
const isBehind = (state: { kind: string }): state is Behind => state.kind === 'behind';

/** How long a version found on every replica (or on enough of them) is not checked again by this replica. */
const PLACEMENT_CHECK_TTL_MS = 60_000;
const PLACEMENT_CACHE_SIZE = 100_000;

/**
 * Reads (docs/model.md, "Reads"): ask this replica and the m-1 fastest others first; ask
 * the rest only when one of them is slow (hedged after a delay learnt from recent
 * latencies) or short (a missing share, a failure). Answer as soon as m unlocked answers
 * and k consistent shares are in. A name held by an unfinished transaction on too many of
 * the answering replicas is read again after a short wait (that transaction finishes in
 * milliseconds), and once its lease has run out the reader finishes it itself: a read
 * never answers from either side of a write that may be chosen.
 *
 * After answering a read of the latest version, the reader checks, at most once a minute
 * per version, how many replicas hold a good share of it, and repairs (by a new split of
 * the same version) when that is close to the threshold.
 */
export class SecretReader {
  private readonly placementChecked = new Map<string, number>();
  private readonly settling = new Set<string>();

  constructor(private readonly options: ReaderOptions) {}

  async read(name: string, version?: number): Promise<SecretVersionValue> {
    const request: FetchShareRequest = version === undefined ? { name } : { name, version };
    const { gathering, state } = await this.untilAnswerable(name, () => this.gatherShares(request, version));
    switch (state.kind) {
      case 'not-found':
        throw new SecretNotFoundError(name);
      case 'version-not-found':
        throw new VersionNotFoundError(name, state.version);
      case 'insufficient':
        if (state.reason === 'quorum') {
          throw new InsufficientShardsError(`Only ${state.answered} replicas answered; ${this.options.m} are needed to know the latest state.`, { answered: state.answered });
        }
        // A quorum answered and still too few shares agree: say what each replica held.
        this.options.log('warn', 'read refused: too few consistent shares', { name, version: version ?? 'latest', answers: gathering.describe() });
        throw new InsufficientShardsError(`Only ${state.good} consistent shares are reachable; ${this.options.k} are needed.`, { shares: state.good });
      case 'ready': {
        const result = await this.combine(name, state);
        void this.afterRead(name, gathering, state, version === undefined, result.value).catch((error) =>
          this.options.log('warn', 'read follow-up failed', { name, error: error instanceof Error ? error.message : String(error) }),
        );
        return result;
      }
      default:
        throw new Error(`read ended in state ${state.kind}`);
    }
  }

  async history(name: string): Promise<SecretHistory> {
    const { answers, view } = await this.untilAnswerable(name, () => this.gatherHistory(name));
    if (view.status !== 'live') throw new SecretNotFoundError(name);
    const validFrom = new Map<number, number>();
    for (const answer of answers.values()) {
      if (answer.view.lifetimeId !== view.lifetimeId) continue;
      for (const v of answer.versions) if (v.version <= view.currentVersion) validFrom.set(v.version, v.validFrom);
    }
    // Every version of the lifetime is kept until it is deleted, so 1..current must all be
    // listed. A version held only by replicas that did not answer cannot be dated: refuse
    // rather than answer with a gap (found by the fault suite, docs/reliability.md).
    const missing: number[] = [];
    for (let v = 1; v <= view.currentVersion; v++) if (!validFrom.has(v)) missing.push(v);
    if (missing.length > 0) {
      throw new InsufficientShardsError(`The replicas that answered do not hold version ${missing.join(', ')} of '${name}'; its history cannot be listed yet.`, {
        versions: missing,
      });
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

  /**
   * Runs `attempt` until it is not blocked by locks, waiting a little longer each time
   * (2 ms up to 100 ms) and settling transactions whose lease ran out, for at most about
   * two lock leases; then 503 INSUFFICIENT_SHARDS. An attempt that found replicas behind
   * the latest view (and too few shares without them) is retried the same way, once they
   * have been told that view.
   */
  private async untilAnswerable<T extends { state: { kind: string; locks?: Array<LockInfo & { peerId: string }> } }>(name: string, attempt: () => Promise<T>): Promise<T> {
    const { clock } = this.options;
    const deadline = clock.now() + 2 * this.options.lockTtlMs;
    let delay = 2;
    for (;;) {
      const result = await attempt();
      const state = result.state;
      if (state.kind !== 'locked' && !isBehind(state)) return result;
      if (clock.now() + delay > deadline) {
        throw isBehind(state)
          ? new InsufficientShardsError(`Replicas ${state.peers.join(', ')} stay behind the latest state of '${name}'; too few consistent shares are reachable.`, {
              behind: state.peers,
            })
          : new InsufficientShardsError(`An unfinished write holds '${name}' on too many replicas; its latest state cannot be known yet. Retry shortly.`, {
              locked: (state.locks ?? []).length,
            });
      }
      if (isBehind(state)) {
        for (const peerId of state.peers) this.options.notifyStale(peerId, [{ name, view: state.view }]);
      } else {
        for (const lock of state.locks ?? []) if (lock.expiresInMs <= 0) this.settleInBackground(name, lock);
      }
      await clock.sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }

  private settleInBackground(name: string, lock: LockInfo): void {
    if (this.settling.has(lock.txId)) return;
    this.settling.add(lock.txId);
    const header: TxHeader = { txId: lock.txId, coordinator: lock.coordinator, createdAt: lock.createdAt, names: [name] };
    void this.options
      .settle(header, this.options.clock.now() + 3 * this.options.peerTimeoutMs)
      .catch(() => undefined)
      .finally(() => this.settling.delete(lock.txId));
  }

  /** One round of share fetches: the preferred quorum first, the others when needed. */
  private gatherShares(request: FetchShareRequest, version: number | undefined): Promise<{ gathering: ShareGathering; state: GatherState }> {
    const { k, m } = this.options;
    const gathering = new ShareGathering({ k, m, version, ignoreLocks: this.options.bugs?.readerIgnoresLocks });
    return this.quorumRound<FetchShareAnswer, { gathering: ShareGathering; state: GatherState }>(
      VAULT_ROUTES.fetch,
      request,
      (result) => gathering.record(result.peerId, result.ok ? result.value : null),
      (final) => {
        const state = gathering.evaluate(final);
        return state.kind === 'waiting' ? null : { gathering, state };
      },
    );
  }

  private gatherHistory(name: string) {
    const answers = new Map<string, HistoryAnswer>();
    let failed = 0;
    const request: HistoryRequest = { name };
    type Result = { answers: Map<string, HistoryAnswer>; view: NameView; state: { kind: 'done' | 'locked'; locks?: Array<LockInfo & { peerId: string }> } };
    return this.quorumRound<HistoryAnswer, Result>(
      VAULT_ROUTES.history,
      request,
      (result) => {
        if (result.ok && !result.value.catchingUp) answers.set(result.peerId, result.value);
        else failed++;
      },
      (final): Result | null => {
        const { m } = this.options;
        const view = authoritativeView([...answers.values()].map((a) => a.view));
        if (answers.size < m) {
          if (!final) return null;
          throw new InsufficientShardsError(`Only ${answers.size} replicas answered; ${m} are needed to know the latest state.`, { answered: answers.size });
        }
        const unlocked = [...answers.values()].filter((a) => a.lock === null).length;
        if (unlocked < m) {
          if (!final) return null;
          const locks = [...answers].filter(([, a]) => a.lock).map(([peerId, a]) => ({ peerId, ...a.lock! }));
          return { answers, view, state: { kind: 'locked', locks } };
        }
        if (!final && view.status === 'live' && !knowsEveryVersion(answers, view)) return null;
        return { answers, view, state: { kind: 'done' } };
      },
    );
  }

  /**
   * Asks the preferred quorum, then everyone else once the first answers fall short, or
   * once they take longer than the hedge delay. `done(final)` turns what has arrived into
   * a result, or null to wait for more; `final` means nobody else will answer.
   */
  private quorumRound<A, T>(route: string, message: unknown, record: (result: PeerResult<A>) => void, done: (final: boolean) => T | null): Promise<T> {
    const { health, peerIds, m, transport, clock, peerTimeoutMs } = this.options;
    const first = health.preferred(m);
    const rest = peerIds.filter((id) => !first.includes(id));
    let asked = 0;
    let settled = 0;
    let widened = false;
    return new Promise<T>((resolve, reject) => {
      let finished = false;
      let cancelHedge = () => {};
      const check = () => {
        if (finished) return;
        const final = settled === asked && widened;
        let result: T | null;
        try {
          result = done(final);
        } catch (error) {
          finished = true;
          cancelHedge();
          reject(error);
          return;
        }
        if (result !== null) {
          finished = true;
          cancelHedge();
          resolve(result);
        } else if (settled === asked && !widened) {
          widen();
        }
      };
      const ask = (ids: string[]) => {
        asked += ids.length;
        for (const id of ids) {
          const started = clock.now();
          void callPeer<A>(transport, id, route, message).then((result) => {
            if (result.ok) health.success(id, clock.now() - started, clock.now());
            else if (result.error.failure !== 'rejected') health.failure(id);
            settled++;
            record(result);
            check();
            // One of the first that cannot answer: the others are needed now, not after the hedge delay.
            if (!result.ok && !finished) widen();
          });
        }
      };
      const widen = () => {
        if (widened) return;
        widened = true;
        cancelHedge();
        ask(rest);
        if (rest.length === 0) check();
      };
      ask(first);
      cancelHedge = clock.schedule(health.hedgeDelayMs(first, 3, Math.max(10, peerTimeoutMs / 4)), () => {
        if (!finished) widen();
      });
    });
  }

  private async combine(name: string, ready: ReadyShares): Promise<SecretVersionValue> {
    let bytes: Uint8Array;
    try {
      bytes = await combineShares(ready.shares.slice(0, this.options.k).map((s) => s.bytes));
    } catch {
      throw new InsufficientShardsError('The reachable shares do not combine into a value.', { shares: ready.shares.length });
    }
    try {
      return { name, version: ready.version, value: new TextDecoder().decode(bytes), validFrom: ready.validFrom, validTo: ready.validTo };
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * Counters, stale replicas told the current state, and, for the latest version, the
   * placement check: the replicas not asked yet are asked now (at most once a minute per
   * version), and with s good shares, k <= s <= k+b and s < n, the version is re-split.
   */
  private async afterRead(name: string, gathering: ShareGathering, ready: ReadyShares, latest: boolean, value: string): Promise<void> {
    const { stats, peerIds, transport, k, b, n, m, clock } = this.options;
    const skipped = gathering.skipped();
    stats.shares.corruptSkipped += skipped.corrupt;
    stats.shares.foreignSkipped += skipped.foreign;
    const view = ready.view;
    for (const peerId of gathering.stalePeers(view)) this.options.notifyStale(peerId, [{ name, view }]);
    if (!latest) return;

    const key = `${name}\n${view.lifetimeId}\n${ready.version}\n${view.revision}\n${ready.splitId}`;
    if ((this.placementChecked.get(key) ?? 0) > clock.now()) return;

    const heard = new Set(gathering.answeredPeers);
    const unasked = peerIds.filter((id) => !heard.has(id));
    const request: FetchShareRequest = { name };
    await Promise.all(
      unasked.map(async (id) => {
        const result = await callPeer<FetchShareAnswer>(transport, id, VAULT_ROUTES.fetch, request);
        gathering.record(id, result.ok ? result.value : null);
      }),
    );
    for (const peerId of gathering.stalePeers(view)) if (unasked.includes(peerId)) this.options.notifyStale(peerId, [{ name, view }]);
    // Bad shares among the replicas asked only now count too: which replicas the read asked
    // first depends on their latencies, and the counters must not.
    const widened = gathering.skipped();
    stats.shares.corruptSkipped += Math.max(0, widened.corrupt - skipped.corrupt);
    stats.shares.foreignSkipped += Math.max(0, widened.foreign - skipped.foreign);
    // A write in flight (its outcome not applied everywhere yet) is not a lost share.
    if (gathering.anyLocked) return;
    const state = gathering.evaluate(true);
    if (state.kind !== 'ready' || state.splitId !== ready.splitId) return;
    const s = state.shares.length;
    // A split from before salted digests is re-split on its first read, like one close to the threshold.
    if (gathering.answeredPeers.length >= m && (shouldRepair(s, k, b, n) || state.legacy)) {
      this.options.log('info', 'read repair', { name, version: state.version, shares: s, legacy: state.legacy });
      await this.options.repair(name, state, value);
      return;
    }
    this.rememberChecked(key);
  }

  private rememberChecked(key: string): void {
    if (this.placementChecked.size >= PLACEMENT_CACHE_SIZE) {
      const oldest = this.placementChecked.keys().next().value;
      if (oldest !== undefined) this.placementChecked.delete(oldest);
    }
    this.placementChecked.set(key, this.options.clock.now() + PLACEMENT_CHECK_TTL_MS);
  }
}

/** Between them, the answers know every version 1..current of the authoritative lifetime. */
function knowsEveryVersion(answers: Map<string, HistoryAnswer>, view: NameView): boolean {
  const known = new Set<number>();
  for (const answer of answers.values()) {
    if (answer.view.lifetimeId === view.lifetimeId) answer.versions.forEach((v) => known.add(v.version));
  }
  for (let v = 1; v <= view.currentVersion; v++) if (!known.has(v)) return false;
  return true;
}
