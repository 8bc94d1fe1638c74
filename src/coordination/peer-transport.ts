/**
 * How this replica reaches the others. Coordination and vault code only see this
 * interface: the HTTP implementation signs every call, the in-memory one serves unit tests.
 */
export const PEER_TRANSPORT = Symbol('PEER_TRANSPORT');

export interface PeerTransport {
  /**
   * Sends one message to one replica (itself included) and returns its answer.
   * Rejects with PeerCallError when the replica is unreachable, too slow or refuses.
   */
  call<T = unknown>(peerId: string, route: string, body: unknown, timeoutMs?: number): Promise<T>;
}

export type PeerFailure = 'unreachable' | 'timeout' | 'rejected';

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
export type PeerResult<T> =
  | { peerId: string; ok: true; value: T }
  | { peerId: string; ok: false; error: PeerCallError };

/**
 * Calls every replica in `peerIds` at once. `onResult` sees each answer as it arrives (so a
 * caller can stop waiting early); the returned promise settles when all have answered or
 * failed, each call bounded by the transport's deadline.
 */
export async function fanOut<T>(
  transport: PeerTransport,
  peerIds: readonly string[],
  route: string,
  bodyFor: (peerId: string) => unknown,
  onResult?: (result: PeerResult<T>) => void,
  timeoutMs?: number,
): Promise<PeerResult<T>[]> {
  return Promise.all(
    peerIds.map(async (peerId): Promise<PeerResult<T>> => {
      let result: PeerResult<T>;
      try {
        const value = await transport.call<T>(peerId, route, bodyFor(peerId), timeoutMs);
        result = { peerId, ok: true, value };
      } catch (error) {
        const peerError =
          error instanceof PeerCallError
            ? error
            : new PeerCallError(peerId, route, 'rejected', error instanceof Error ? error.message : String(error));
        result = { peerId, ok: false, error: peerError };
      }
      onResult?.(result);
      return result;
    }),
  );
}
