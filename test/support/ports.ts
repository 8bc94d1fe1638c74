import { createServer } from 'node:net';

/**
 * Ports for test servers come from below Linux's ephemeral range (32768-60999 by default).
 * A port the OS picks with `listen(0)` is an ephemeral one, and between the moment it is
 * handed out and the moment a replica listens on it, any outgoing connection on the
 * machine (a replica's Postgres pool, a peer's keep-alive socket) may take it as its local
 * port; the replica then exits at boot with EADDRINUSE. Below that range only listeners
 * compete, and this module never hands out the same port twice in one process.
 */
const LOWEST = 20_000;
const HIGHEST = 32_000;
const handedOut = new Set<number>();

/** Whether this process can listen on `port` right now (nobody else does). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on right now, outside the range outgoing connections draw from. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port)) continue;
    if (await isFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} after 200 attempts`);
}
