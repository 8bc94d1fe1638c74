import { shareDigest, shareX } from '../../shamir';
import { FetchShareAnswer, LockInfo, NameView, SplitManifest } from '../protocol';
import { authoritativeView } from './quorum';

export interface GatherOptions {
  k: number;
  m: number;
  /** Undefined: the latest version in the authoritative view. */
  version?: number;
  /** Test-only planted bug (the simulation proves its checker finds it): treat locked answers as unlocked. */
  ignoreLocks?: boolean;
}

export interface GoodShare {
  peerId: string;
  bytes: Uint8Array;
}

export interface ReadyShares {
  kind: 'ready';
  view: NameView;
  version: number;
  splitId: string;
  manifest: SplitManifest;
  shares: GoodShare[];
  validFrom: number;
  validTo: number | null;
  /** Written before salted digests: its manifest lets a holder of k-1 shares test guesses (docs/security.md). */
  legacy: boolean;
}

export type GatherState =
  | { kind: 'waiting' }
  | { kind: 'not-found'; view: NameView }
  | { kind: 'version-not-found'; view: NameView; version: number }
  | { kind: 'insufficient'; reason: 'quorum' | 'shares'; answered: number; good: number }
  /** Unfinished transactions hold the name on too many of the replicas that answered. */
  | { kind: 'locked'; locks: Array<LockInfo & { peerId: string }> }
  /**
   * Too few good shares of the latest version, and some replicas answered with an older
   * view: asked before they applied the latest chosen write, most likely (see evaluate).
   */
  | { kind: 'behind'; view: NameView; peers: string[] }
  | ReadyShares;

interface Classified {
  split: { splitId: string; manifest: SplitManifest } | null;
  good: GoodShare[];
  corrupt: number;
  foreign: number;
}

/**
 * Collects the replicas' answers to a share fetch and says, after each one, whether a read
 * can be answered yet (docs/model.md, "Reads").
 *
 * It needs m answers from replicas that hold no lock on the name: every chosen write was
 * accepted by m replicas, each of which keeps the name locked until it applied the write,
 * and any two sets of m replicas meet, so the highest revision among such answers is the
 * latest chosen state, and a read never goes back in time (for every allowed n, k, m).
 * Then it needs k consistent shares of the wanted version from ONE split: a share counts
 * only if its salted digest and x-coordinate match the split's manifest as most replicas
 * hold it, so a corrupt share, a corrupt digest on one replica or a share of another split
 * is skipped and counted, never combined into a wrong value.
 */
export class ShareGathering {
  private readonly answers = new Map<string, FetchShareAnswer>();
  private readonly failed = new Set<string>();
  /** Each answer's share decoded and digested once, whatever the number of evaluations. */
  private readonly decoded = new Map<string, { bytes: Uint8Array; digest: string; manifestKey: string }>();

  constructor(private readonly options: GatherOptions) {}

  record(peerId: string, answer: FetchShareAnswer | null): void {
    // A replica rebuilding lost state knows nothing yet.
    if (answer && !answer.catchingUp) {
      this.answers.set(peerId, answer);
      this.failed.delete(peerId);
      if (answer.share) {
        const bytes = new Uint8Array(Buffer.from(answer.share.data, 'base64'));
        const salt = answer.share.salt === null ? null : Buffer.from(answer.share.salt, 'base64');
        this.decoded.set(peerId, { bytes, digest: shareDigest(bytes, salt), manifestKey: manifestKey(answer.share.manifest) });
      }
    } else if (!this.answers.has(peerId)) {
      this.failed.add(peerId);
    }
  }

  /** Replicas heard from (answered or failed). */
  get settled(): number {
    return this.answers.size + this.failed.size;
  }

  get answeredPeers(): string[] {
    return [...this.answers.keys()];
  }

  view(): NameView {
    return authoritativeView([...this.answers.values()].map((a) => a.view));
  }

  /** `final`: no more answers will come. */
  evaluate(final: boolean): GatherState {
    const { k, m } = this.options;
    const answered = this.answers.size;
    if (answered < m) return final ? { kind: 'insufficient', reason: 'quorum', answered, good: 0 } : { kind: 'waiting' };
    const unlocked = [...this.answers.values()].filter((a) => a.lock === null || this.options.ignoreLocks).length;
    if (unlocked < m) return final ? { kind: 'locked', locks: this.locks() } : { kind: 'waiting' };

    const view = this.view();
    if (view.status !== 'live') return { kind: 'not-found', view };
    const version = this.options.version ?? view.currentVersion;
    if (version > view.currentVersion) return { kind: 'version-not-found', view, version };

    const classified = this.classify(view, version);
    if (classified.good.length >= k && classified.split) {
      const first = this.answers.get(classified.good[0].peerId)!.share!;
      return {
        kind: 'ready',
        view,
        version,
        splitId: classified.split.splitId,
        manifest: classified.split.manifest,
        shares: classified.good,
        validFrom: first.validFrom,
        validTo: version === view.currentVersion ? null : this.validTo(view, version, classified.good),
        legacy: classified.good.some(({ peerId }) => this.answers.get(peerId)!.share!.salt === null),
      };
    }
    if (!final) return { kind: 'waiting' };
    // Shares of a version being re-split, or being applied, sit on locked replicas for a moment.
    const locks = this.locks();
    if (locks.length > 0) return { kind: 'locked', locks };
    // A write chosen by m replicas is applied by each of them within milliseconds, with
    // its share; answers gathered over a burst of writes to one name can mix a replica
    // asked just before it applied one with others asked just after. Asking again finds
    // the shares (measured: docs/benchmarks.md, the soak's hot spot).
    const behind = this.stalePeers(view);
    if (behind.length > 0) return { kind: 'behind', view, peers: behind };
    return { kind: 'insufficient', reason: 'shares', answered, good: classified.good.length };
  }

  /** Skipped shares, for the status counters. */
  skipped(): { corrupt: number; foreign: number } {
    const view = this.view();
    if (view.status !== 'live') return { corrupt: 0, foreign: 0 };
    const { corrupt, foreign } = this.classify(view, this.options.version ?? view.currentVersion);
    return { corrupt, foreign };
  }

  /** Replicas that answered but hold no good share of the chosen split. */
  lackingPeers(ready: ReadyShares): string[] {
    const good = new Set(ready.shares.map((s) => s.peerId));
    return this.answeredPeers.filter((p) => !good.has(p));
  }

  /** Replicas whose view is older than the authoritative one. */
  stalePeers(view: NameView): string[] {
    return [...this.answers].filter(([, a]) => a.view.revision < view.revision).map(([peer]) => peer);
  }

  /**
   * What each replica heard from answered, for the log line of a refused read: its
   * revision of the name and which share it holds, never the share's bytes.
   */
  describe(): Record<string, string> {
    const view = this.view();
    const version = this.options.version ?? view.currentVersion;
    const good = new Set(view.status === 'live' ? this.classify(view, version).good.map((g) => g.peerId) : []);
    const described: Record<string, string> = {};
    for (const peerId of this.failed) described[peerId] = 'failed';
    for (const [peerId, answer] of this.answers) {
      const share = answer.share;
      const held =
        share === null
          ? 'no share'
          : share.lifetimeId !== view.lifetimeId
            ? 'a share of another lifetime'
            : `version ${share.version} split ${share.splitId.slice(0, 8)} ${good.has(peerId) ? 'good' : 'not good'}`;
      described[peerId] = `revision ${answer.view.revision}${answer.lock ? ' locked' : ''}, ${held}`;
    }
    return described;
  }

  /** Whether any replica that answered holds the name for an unfinished transaction. */
  get anyLocked(): boolean {
    return [...this.answers.values()].some((a) => a.lock !== null);
  }

  private locks(): Array<LockInfo & { peerId: string }> {
    return [...this.answers].filter(([, a]) => a.lock !== null).map(([peerId, a]) => ({ peerId, ...a.lock! }));
  }

  private classify(view: NameView, version: number): Classified {
    const candidates = [...this.answers].filter(
      ([, a]) => a.share !== null && a.share.lifetimeId === view.lifetimeId && a.share.version === version,
    );
    const bySplit = new Map<string, Array<[string, FetchShareAnswer]>>();
    for (const entry of candidates) {
      const splitId = entry[1].share!.splitId;
      bySplit.set(splitId, [...(bySplit.get(splitId) ?? []), entry]);
    }

    let best: Classified = { split: null, good: [], corrupt: 0, foreign: 0 };
    for (const [splitId, members] of bySplit) {
      const manifest = this.majorityManifest(members.map(([peerId, a]) => [peerId, a.share!.manifest]));
      const good: GoodShare[] = [];
      for (const [peerId] of members) {
        const { bytes, digest } = this.decoded.get(peerId)!;
        const expected = manifest[peerId];
        if (expected && bytes.length > 1 && digest === expected.digest && shareX(bytes) === expected.x) good.push({ peerId, bytes });
      }
      if (!best.split || good.length > best.good.length) {
        best = { split: { splitId, manifest }, good, corrupt: members.length - good.length, foreign: 0 };
      }
    }
    best.foreign = candidates.length - best.good.length - best.corrupt;
    return best;
  }

  /** The manifest most replicas agree on: one corrupt copy cannot outvote the others. */
  private majorityManifest(copies: Array<[string, SplitManifest]>): SplitManifest {
    const counts = new Map<string, { manifest: SplitManifest; count: number }>();
    for (const [peerId, manifest] of copies) {
      const key = this.decoded.get(peerId)!.manifestKey;
      const entry = counts.get(key) ?? { manifest, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()].sort((a, b) => b.count - a.count)[0].manifest;
  }

  /** validTo of a past version: the next version's validFrom, as the replicas know it. */
  private validTo(view: NameView, version: number, good: GoodShare[]): number | null {
    for (const { peerId } of good) {
      const stored = this.answers.get(peerId)!.share!.validTo;
      if (stored !== null) return stored;
    }
    let next: { version: number; validFrom: number } | null = null;
    for (const answer of this.answers.values()) {
      if (answer.view.lifetimeId !== view.lifetimeId || !answer.next || answer.next.version <= version) continue;
      if (!next || answer.next.version < next.version) next = answer.next;
    }
    return next?.validFrom ?? null;
  }
}

function manifestKey(manifest: SplitManifest): string {
  return Object.keys(manifest)
    .sort()
    .map((id) => `${id}:${manifest[id].x}:${manifest[id].digest}`)
    .join(',');
}
