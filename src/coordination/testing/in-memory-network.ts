import { PeerRouter } from '../peer-router';
import { CallOptions, PeerCallError, PeerTransport } from '../peer-transport';

export type InMemoryHandler = (route: string, body: unknown, fromPeer: string) => Promise<unknown>;

export interface InMemoryCall {
  from: string;
  to: string;
  route: string;
  body: unknown;
}

/** 'drop': the message is lost; 'lose-answer': it is delivered, but the answer is lost. */
export type FaultRule = (call: InMemoryCall) => 'drop' | 'lose-answer' | 'pass';

/** Awaited before a message is delivered: a test holds a message back until it says so. */
export type Gate = (call: InMemoryCall) => Promise<void> | void;

/**
 * A network of replicas in one process, for unit tests: each replica is a handler (or its
 * PeerRouter, whose answers are then checked against the route's answer schema as the
 * HTTP channel checks them), and a test can take one down, drop chosen calls (they fail as
 * timeouts), or hold messages back, to walk every failure path of the protocol without
 * processes. Messages and answers are JSON round-tripped, as on the wire. There is no
 * latency: a call's `timeoutMs` only matters to transports that have one.
 */
export class InMemoryNetwork {
  private readonly handlers = new Map<string, InMemoryHandler>();
  private readonly down = new Set<string>();
  private readonly faults: FaultRule[] = [];
  private readonly gates: Gate[] = [];
  readonly log: Array<{ from: string; to: string; route: string; body: unknown }> = [];

  register(peerId: string, handler: InMemoryHandler): void {
    this.handlers.set(peerId, handler);
  }

  /** Serves `peerId`'s routes from its router, checking each answer as a caller would. */
  registerRouter(peerId: string, router: PeerRouter): void {
    this.register(peerId, async (route, body, fromPeer) => {
      let answer: unknown;
      try {
        answer = await router.dispatch(route, body, fromPeer);
      } catch (error) {
        throw new PeerCallError(peerId, route, 'rejected', error instanceof Error ? error.message : String(error));
      }
      const wire = JSON.parse(JSON.stringify(answer ?? {}));
      if (!router.answerIsValid(route, wire)) throw new PeerCallError(peerId, route, 'invalid-answer', router.answerProblem(route));
      return wire;
    });
  }

  setDown(peerId: string, isDown = true): void {
    if (isDown) this.down.add(peerId);
    else this.down.delete(peerId);
  }

  addFault(rule: FaultRule): () => void {
    this.faults.push(rule);
    return () => this.faults.splice(this.faults.indexOf(rule), 1);
  }

  addGate(gate: Gate): () => void {
    this.gates.push(gate);
    return () => this.gates.splice(this.gates.indexOf(gate), 1);
  }

  transport(from: string): PeerTransport {
    return new InMemoryPeerTransport(this, from);
  }

  /** Messages sent so far on `route` (optionally only to `to`). */
  sent(route: string, to?: string): Array<{ from: string; to: string; route: string; body: unknown }> {
    return this.log.filter((m) => m.route === route && (to === undefined || m.to === to));
  }

  async deliver(from: string, to: string, route: string, body: unknown): Promise<unknown> {
    const message = JSON.parse(JSON.stringify(body ?? {}));
    const call: InMemoryCall = { from, to, route, body: message };
    this.log.push(call);
    if (this.down.has(to) || this.down.has(from)) throw new PeerCallError(to, route, 'unreachable', 'down');
    const verdicts = this.faults.map((rule) => rule(call));
    if (verdicts.includes('drop')) throw new PeerCallError(to, route, 'timeout', 'dropped');
    for (const gate of [...this.gates]) await gate(call);
    if (this.down.has(to)) throw new PeerCallError(to, route, 'unreachable', 'down');
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

  async call<T>(peerId: string, route: string, body: unknown, _options?: CallOptions): Promise<T> {
    return (await this.network.deliver(this.from, peerId, route, body)) as T;
  }
}
