import { PeerRouter } from '../../src/coordination/peer-router';
import { CallOptions, PeerCallError, PeerTransport } from '../../src/coordination/peer-transport';
import { EventLoop } from './event-loop';
import { Prng } from './prng';

export interface NetworkFaults {
  /** Probability that a message (or its answer) is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** One-way delay, uniformly in [minDelayMs, maxDelayMs]: messages overtake each other. */
  minDelayMs: number;
  maxDelayMs: number;
}

export const CALM: NetworkFaults = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 3 };

interface Endpoint {
  router: PeerRouter;
  alive: () => boolean;
}

/**
 * The network between simulated replicas: every message is JSON round-tripped as on the
 * wire, delayed, and possibly dropped, duplicated or reordered, from the seeded generator;
 * links can be cut one way or both (partitions); a crashed replica neither sends nor
 * answers. Answers are checked against their route's schema by the caller, as the HTTP
 * channel does. Calls to a replica itself are dispatched in-process, as in production.
 */
export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly cut = new Set<string>();
  faults: NetworkFaults = CALM;
  messages = 0;

  constructor(
    private readonly loop: EventLoop,
    private readonly prng: Prng,
    private readonly peerTimeoutMs: number,
  ) {}

  attach(id: string, router: PeerRouter, alive: () => boolean): void {
    this.endpoints.set(id, { router, alive });
  }

  /** Cuts the link from `from` to `to` (one way). */
  cutLink(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
  }

  healAll(): void {
    this.cut.clear();
  }

  linkOpen(from: string, to: string): boolean {
    return !this.cut.has(`${from}>${to}`);
  }

  transport(from: string, alive: () => boolean, router: PeerRouter): PeerTransport {
    return {
      call: <T>(peerId: string, route: string, body: unknown, options: CallOptions = {}) =>
        this.call<T>(from, alive, router, peerId, route, body, options.timeoutMs ?? this.peerTimeoutMs),
    };
  }

  private call<T>(from: string, alive: () => boolean, router: PeerRouter, to: string, route: string, body: unknown, timeoutMs: number): Promise<T> {
    // A frozen (crashed) caller sends nothing and hears nothing.
    if (!alive()) return new Promise<T>(() => undefined);
    if (to === from) {
      return router.dispatch(route, body ?? {}, from).catch((error: unknown) => {
        throw new PeerCallError(from, route, 'rejected', error instanceof Error ? error.message : String(error));
      }) as Promise<T>;
    }
    const wire = JSON.stringify(body ?? {});
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled || !alive()) return;
        settled = true;
        fn();
      };
      this.loop.schedule(timeoutMs, () => settle(() => reject(new PeerCallError(to, route, 'timeout', 'no answer in time'))));
      const copies = this.prng.chance(this.faults.duplicateRate) ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        this.send(from, to, () => {
          const target = this.endpoints.get(to);
          if (!target || !target.alive()) return;
          this.messages++;
          target.router.dispatch(route, JSON.parse(wire), from).then(
            (answer) => {
              const answerWire = JSON.stringify(answer ?? {});
              if (!target.alive()) return;
              this.send(to, from, () =>
                settle(() => {
                  const parsed: unknown = JSON.parse(answerWire);
                  if (router.answerIsValid(route, parsed)) resolve(parsed as T);
                  else reject(new PeerCallError(to, route, 'invalid-answer', router.answerProblem(route)));
                }),
              );
            },
            (error: unknown) => {
              const message = error instanceof Error ? error.message : String(error);
              if (!target.alive()) return;
              this.send(to, from, () => settle(() => reject(new PeerCallError(to, route, 'rejected', message))));
            },
          );
        });
      }
    });
  }

  /** Delivers after a random delay, unless the link is cut (when sent or when it arrives) or the message is lost. */
  private send(from: string, to: string, deliver: () => void): void {
    if (!this.linkOpen(from, to) || this.prng.chance(this.faults.dropRate)) return;
    const delay = this.prng.int(this.faults.minDelayMs, this.faults.maxDelayMs);
    this.loop.schedule(delay, () => {
      if (this.linkOpen(from, to)) deliver();
    });
  }
}
