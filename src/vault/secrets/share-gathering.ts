import { shareDigest, shareX } from '../../shamir';
import { FetchShareAnswer, NameView, SplitManifest } from '../protocol';
import { authoritativeView } from './quorum';

export interface GatherOptions {
  n: number;
  k: number;
  m: number;
  /** Undefined: the latest version in the authoritative view. */
  version?: number;
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
}

export type GatherState =
  | { kind: 'waiting' }
  | { kind: 'not-found'; view: NameView }
  | { kind: 'version-not-found'; view: NameView; version: number }
  | { kind: 'insufficient'; reason: 'quorum' | 'shares'; answered: number; good: number }
  | ReadyShares;

interface Classified {
  split: { splitId: string; manifest: SplitManifest } | null;
  good: GoodShare[];
  corrupt: number;
  foreign: number;
}

/**
 * Collects the replicas' answers to a share fetch and says, after each one, whether a read
 * can be answered yet. It needs m answers to know the authoritative view (quorum rule) and
 * k consistent shares of the wanted version from ONE split. A share counts only if its
 * digest and x-coordinate match the split's manifest as most replicas hold it, so a corrupt
 * share, a corrupt digest on one replica or a share of another split is skipped and
 * counted, never combined into a wrong value.
 */
export class ShareGathering {
  private readonly answers = new Map<string, FetchShareAnswer>();
  private readonly failed = new Set<string>();

  constructor(private readonly options: GatherOptions) {}

  record(peerId: string, answer: FetchShareAnswer | null): void {
    if (answer) this.answers.set(peerId, answer);
    else this.failed.add(peerId);
  }

  get complete(): boolean {
    return this.answers.size + this.failed.size >= this.options.n;
  }

  get answeredPeers(): string[] {
    return [...this.answers.keys()];
  }

  view(): NameView {
    return authoritativeView([...this.answers.values()].map((a) => a.view));
  }

  evaluate(): GatherState {
    const { k, m } = this.options;
    const answered = this.answers.size;
    if (answered < m) {
      return this.complete ? { kind: 'insufficient', reason: 'quorum', answered, good: 0 } : { kind: 'waiting' };
    }
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
      };
    }
    return this.complete ? { kind: 'insufficient', reason: 'shares', answered, good: classified.good.length } : { kind: 'waiting' };
  }

  /** Skipped shares, for the status counters (call once complete). */
  skipped(): { corrupt: number; foreign: number } {
    const view = this.view();
    if (view.status !== 'live') return { corrupt: 0, foreign: 0 };
    const { corrupt, foreign } = this.classify(view, this.options.version ?? view.currentVersion);
    return { corrupt, foreign };
  }

  /** Replicas that answered but hold no good share of the chosen split (repair targets). */
  lackingPeers(ready: ReadyShares): string[] {
    const good = new Set(ready.shares.map((s) => s.peerId));
    return this.answeredPeers.filter((p) => !good.has(p));
  }

  /** Replicas whose view is older than the authoritative one. */
  stalePeers(view: NameView): string[] {
    return [...this.answers].filter(([, a]) => a.view.revision < view.revision).map(([peer]) => peer);
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
      const manifest = majorityManifest(members.map(([, a]) => a.share!.manifest));
      const good: GoodShare[] = [];
      for (const [peerId, answer] of members) {
        const bytes = new Uint8Array(Buffer.from(answer.share!.data, 'base64'));
        const expected = manifest[peerId];
        if (expected && bytes.length > 1 && shareDigest(bytes) === expected.digest && shareX(bytes) === expected.x) {
          good.push({ peerId, bytes });
        }
      }
      if (!best.split || good.length > best.good.length) {
        best = { split: { splitId, manifest }, good, corrupt: members.length - good.length, foreign: 0 };
      }
    }
    best.foreign = candidates.length - best.good.length - best.corrupt;
    return best;
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

/** The manifest most replicas agree on: one corrupt copy cannot outvote the others. */
function majorityManifest(manifests: SplitManifest[]): SplitManifest {
  const counts = new Map<string, { manifest: SplitManifest; count: number }>();
  for (const manifest of manifests) {
    const key = JSON.stringify(Object.keys(manifest).sort().map((id) => [id, manifest[id].x, manifest[id].digest]));
    const entry = counts.get(key) ?? { manifest, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count)[0].manifest;
}
