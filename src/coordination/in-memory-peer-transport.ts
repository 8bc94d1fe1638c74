import { PeerCallError, PeerTransport } from './peer-transport';

export type InMemoryHandler = (route: string, body: unknown, fromPeer: string) => Promise<unknown>;
/** 'drop': the message is lost; 'lose-answer': it is delivered, but the answer is lost. */
export type FaultRule = (call: { from: string; to: string; route: string; body: unknown }) => 'drop' | 'lose-answer' | 'pass';

/**
 * A network of replicas in one process, for unit tests: each replica is a function, and a
 * test can take one down, or drop chosen calls (they fail as timeouts), to walk every
 * failure path of the protocol without processes. Messages are JSON round-tripped, as on
 * the wire.
 */
export class InMemoryNetwork {
  private readonly handlers = new Map<string, InMemoryHandler>();
  private readonly down = new Set<string>();
  private readonly faults: FaultRule[] = [];
  readonly log: Array<{ from: string; to: string; route: string }> = [];

  register(peerId: string, handler: InMemoryHandler): void {
    this.handlers.set(peerId, handler);
  }

  setDown(peerId: string, isDown = true): void {
    if (isDown) this.down.add(peerId);
    else this.down.delete(peerId);
  }

  addFault(rule: FaultRule): () => void {
    this.faults.push(rule);
    return () => this.faults.splice(this.faults.indexOf(rule), 1);
  }

  transport(from: string): PeerTransport {
    return new InMemoryPeerTransport(this, from);
  }

  async deliver(from: string, to: string, route: string, body: unknown): Promise<unknown> {
    const message = JSON.parse(JSON.stringify(body ?? {}));
    this.log.push({ from, to, route });
    if (this.down.has(to) || this.down.has(from)) throw new PeerCallError(to, route, 'unreachable', 'down');
    const verdicts = this.faults.map((rule) => rule({ from, to, route, body: message }));
    if (verdicts.includes('drop')) throw new PeerCallError(to, route, 'timeout', 'dropped');
    const handler = this.handlers.get(to);
    if (!handler) throw new PeerCallError(to, route, 'unreachable', 'no such peer');
    const answer = await handler(route, message, from);
    if (verdicts.includes('lose-answer')) throw new PeerCallError(to, route, 'timeout', 'answer lost');
    return JSON.parse(JSON.stringify(answer ?? {}));
  }
}

export class InMemoryPeerTransport implements PeerTransport {
  constructor(
    private readonly network: InMemoryNetwork,
    private readonly from: string,
  ) {}

  async call<T>(peerId: string, route: string, body: unknown): Promise<T> {
    return (await this.network.deliver(this.from, peerId, route, body)) as T;
  }
}
