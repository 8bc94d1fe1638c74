import { Injectable } from '@nestjs/common';
import { VaultError } from '../common/errors';
import { Validator } from '../common/schema';

export type PeerHandler<T> = (body: T, fromPeer: string) => Promise<unknown>;

/**
 * Messages travel in lanes, each with its own batches and connections, so that reads
 * never wait behind a batch of writes waiting for its database transaction.
 */
export type Lane = 'read' | 'write';

export interface RouteSpec<T> {
  request: Validator<T>;
  answer: Validator<unknown>;
  lane: Lane;
}

interface Registration {
  spec: RouteSpec<unknown>;
  handler: PeerHandler<unknown>;
}

export class UnknownPeerRouteError extends VaultError {
  constructor(route: string) {
    super('NOT_FOUND', `No internal route '${route}'.`);
  }
}

export class InvalidPeerMessageError extends VaultError {
  constructor(route: string, problem: string) {
    super('VALIDATION_FAILED', `Invalid peer message for ${route}: ${problem}.`);
  }
}

/**
 * The internal peer API as a table of routes. Modules register a handler with the schemas
 * of its message and of its answer; the receiving side checks messages, the calling side
 * checks answers, both with the same compiled schemas. Calls to this replica itself are
 * dispatched here in-process, without serialising anything.
 */
@Injectable()
export class PeerRouter {
  private readonly routes = new Map<string, Registration>();

  register<T>(route: string, spec: RouteSpec<T>, handler: PeerHandler<T>): void {
    if (this.routes.has(route)) throw new Error(`internal route ${route} registered twice`);
    this.routes.set(route, { spec: spec as RouteSpec<unknown>, handler: handler as PeerHandler<unknown> });
  }

  has(route: string): boolean {
    return this.routes.has(route);
  }

  laneOf(route: string): Lane {
    return this.routes.get(route)?.spec.lane ?? 'write';
  }

  /** Checks an answer a peer gave for `route`; false for anything malformed. */
  answerIsValid(route: string, answer: unknown): boolean {
    const registration = this.routes.get(route);
    return Boolean(registration) && registration!.spec.answer(answer);
  }

  answerProblem(route: string): string {
    return this.routes.get(route)?.spec.answer.problem() ?? 'unknown route';
  }

  async dispatch(route: string, body: unknown, fromPeer: string): Promise<unknown> {
    const registration = this.routes.get(route);
    if (!registration) throw new UnknownPeerRouteError(route);
    if (!registration.spec.request(body)) throw new InvalidPeerMessageError(route, registration.spec.request.problem());
    return registration.handler(body, fromPeer);
  }
}
