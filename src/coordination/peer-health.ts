import { Ids } from '../common/ids';

interface Health {
  reachable: boolean;
  /** Exponentially weighted mean and mean deviation of call latency (ms). */
  mean: number;
  deviation: number;
  samples: number;
  lastSeen: number | null;
}

/**
 * What this replica knows of its peers' health: reachability from the background prober
 * and from real calls, and latency of recent calls. Readers use it to ask the fewest,
 * fastest replicas first and to decide when to hedge to the others; /health/ready and
 * /status read it instead of calling peers.
 */
export class PeerHealth {
  private readonly peers = new Map<string, Health>();

  constructor(
    readonly selfId: string,
    peerIds: readonly string[],
    private readonly ids: Ids,
  ) {
    for (const id of peerIds) this.peers.set(id, { reachable: id === selfId, mean: 0, deviation: 0, samples: 0, lastSeen: null });
  }

  /** A call answered (or the prober heard back) after `latencyMs`. */
  success(peerId: string, latencyMs: number, now: number): void {
    const health = this.peers.get(peerId);
    if (!health) return;
    if (health.samples === 0) {
      health.mean = latencyMs;
      health.deviation = latencyMs / 2;
    } else {
      const error = latencyMs - health.mean;
      health.mean += error / 8;
      health.deviation += (Math.abs(error) - health.deviation) / 4;
    }
    health.samples++;
    health.reachable = true;
    health.lastSeen = now;
  }

  /** A call failed for lack of an answer (not for a refusal). */
  failure(peerId: string): void {
    const health = this.peers.get(peerId);
    if (health && peerId !== this.selfId) health.reachable = false;
  }

  reachable(peerId: string): boolean {
    return this.peers.get(peerId)?.reachable ?? false;
  }

  latencyMs(peerId: string): number | null {
    if (peerId === this.selfId) return 0;
    const health = this.peers.get(peerId);
    return health && health.samples > 0 ? Math.round(health.mean * 10) / 10 : null;
  }

  /**
   * This replica and the `count - 1` others to ask first: reachable ones before the rest,
   * faster ones before slower (latencies within a millisecond count as equal and are
   * shuffled, so load spreads over equal peers).
   */
  preferred(count: number): string[] {
    const others = [...this.peers.keys()].filter((id) => id !== this.selfId);
    const scored = others.map((id) => {
      const h = this.peers.get(id)!;
      return { id, score: (h.reachable ? 0 : 1_000_000) + Math.round(h.samples > 0 ? h.mean : 0), tie: this.ids.random() };
    });
    scored.sort((a, b) => a.score - b.score || a.tie - b.tie);
    return [this.selfId, ...scored.slice(0, Math.max(0, count - 1)).map((s) => s.id)];
  }

  /** How long to wait on the first replicas asked before asking the others too. */
  hedgeDelayMs(peerIds: readonly string[], floorMs: number, ceilingMs: number): number {
    let worst = 0;
    for (const id of peerIds) {
      const h = this.peers.get(id);
      if (!h || id === this.selfId || h.samples === 0) continue;
      worst = Math.max(worst, h.mean + 4 * h.deviation);
    }
    return Math.min(ceilingMs, Math.max(floorMs, Math.ceil(worst)));
  }
}
