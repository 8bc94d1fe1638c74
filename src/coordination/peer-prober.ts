import { BackgroundLoop } from '../common/async';
import { Clock } from '../common/clock';
import { compileSchema, S } from '../common/schema';
import { PeerHealth } from './peer-health';
import { PeerRouter } from './peer-router';
import { callPeer, PeerTransport } from './peer-transport';

export const PING_ROUTE = 'node/ping';

/**
 * Keeps peer reachability fresh in the background: every replica is pinged about once a
 * second (through the batched channel, so the pings ride along with other traffic), and
 * /health/ready and /status answer from what it last saw. A request to them never makes a
 * peer call: readiness probes cannot amplify into peer traffic or fill nonce windows.
 */
export class PeerProber {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly selfId: string,
    private readonly peerIds: readonly string[],
    private readonly transport: PeerTransport,
    private readonly health: PeerHealth,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    intervalMs: number,
    router: PeerRouter,
  ) {
    router.register(
      PING_ROUTE,
      { request: compileSchema(S.object({})), answer: compileSchema(S.object({ nodeId: S.string(63, 1) })), lane: 'read' },
      async () => ({ nodeId: selfId }),
    );
    this.loop = new BackgroundLoop(intervalMs, () => this.probe(), () => undefined, clock);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async probe(): Promise<void> {
    await Promise.all(
      this.peerIds
        .filter((id) => id !== this.selfId)
        .map(async (id) => {
          const started = this.clock.now();
          const result = await callPeer(this.transport, id, PING_ROUTE, {}, { timeoutMs: this.timeoutMs });
          if (result.ok) this.health.success(id, this.clock.now() - started, this.clock.now());
          else this.health.failure(id);
        }),
    );
  }

  /** Replicas that answered lately, this one included. */
  reachableCount(): number {
    return this.peerIds.filter((id) => this.health.reachable(id)).length;
  }
}
