import { Clock } from '../common/clock';

/**
 * How this replica reaches the others. Coordination and vault code only see this
 * interface: the HTTP implementation batches, signs and checks every message, the
 * in-memory ones serve unit tests and the simulation.
 */
export const PEER_TRANSPORT = Symbol('PEER_TRANSPORT');

export interface CallOptions {
  /** This call's deadline, counted from when its message is sent; default VAULT_PEER_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface PeerTransport {
  /**
   * Sends one message to one replica (itself included) and returns its answer, checked
   * against the route's answer schema. Rejects with PeerCallError when the replica is
   * unreachable, too slow, refuses, or answers something malformed or unauthenticated.
   */
  call<T = unknown>(peerId: string, route: string, body: unknown, options?: CallOptions): Promise<T>;
}

export type PeerFailure = 'unreachable' | 'timeout' | 'rejected' | 'invalid-answer';

export class PeerCallError extends Error {
  constructor(
    readonly peerId: string,
    readonly route: string,
    readonly failure: PeerFailure,
    detail: string,
    readonly status?: number,
  ) {
    super(`peer ${peerId} ${route}: ${failure} (${detail})`);
    this.name = 'PeerCallError';
  }
}

/** The answer of one replica to a fan-out, or why there is none. */
export type PeerResult<T> = { peerId: string; ok: true; value: T } | { peerId: string; ok: false; error: PeerCallError };

function asPeerError(peerId: string, route: string, error: unknown): PeerCallError {
  return error instanceof PeerCallError
    ? error
    : new PeerCallError(peerId, route, 'rejected', error instanceof Error ? error.message : String(error));
}

/** Calls one replica; never rejects. */
export async function callPeer<T>(transport: PeerTransport, peerId: string, route: string, body: unknown, options?: CallOptions): Promise<PeerResult<T>> {
  try {
    return { peerId, ok: true, value: await transport.call<T>(peerId, route, body, options) };
  } catch (error) {
    return { peerId, ok: false, error: asPeerError(peerId, route, error) };
  }
}

/**
 * Calls every replica in `peerIds` at once. `onResult` sees each answer as it arrives; the
 * returned promise settles when all have answered or failed, each call bounded by its
 * deadline.
 */
export async function fanOut<T>(
  transport: PeerTransport,
  peerIds: readonly string[],
  route: string,
  bodyFor: (peerId: string) => unknown,
  onResult?: (result: PeerResult<T>) => void,
  options?: CallOptions,
): Promise<PeerResult<T>[]> {
  return Promise.all(
    peerIds.map(async (peerId) => {
      const result = await callPeer<T>(transport, peerId, route, bodyFor(peerId), options);
      onResult?.(result);
      return result;
    }),
  );
}

/**
 * Like fanOut, but resolves as soon as `enough(results so far)` holds (or every call has
 * settled); the other calls go on, and `rest` settles with all of them.
 */
export function gather<T>(
  transport: PeerTransport,
  peerIds: readonly string[],
  route: string,
  bodyFor: (peerId: string) => unknown,
  enough: (results: PeerResult<T>[]) => boolean,
  options?: CallOptions,
): { early: Promise<PeerResult<T>[]>; rest: Promise<PeerResult<T>[]> } {
  const results: PeerResult<T>[] = [];
  let release!: (value: PeerResult<T>[]) => void;
  const early = new Promise<PeerResult<T>[]>((resolve) => (release = resolve));
  const rest = fanOut<T>(transport, peerIds, route, bodyFor, (result) => {
    results.push(result);
    if (enough(results)) release([...results]);
  }, options).then((all) => {
    release([...results]);
    return all;
  });
  if (peerIds.length === 0) release([]);
  return { early, rest };
}

/** Sleeps on `clock` unless `signal` resolves first. */
export function sleepUnless(clock: Clock, ms: number, signal: Promise<unknown>): Promise<void> {
  return Promise.race([clock.sleep(ms), signal.then(() => undefined)]);
}
