import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '../../../test/support/tls';
import { readTlsMaterial } from '../../config/tls-files';
import { systemClock } from '../../common/clock';
import { systemIds } from '../../common/ids';
import { PeerHealth } from '../peer-health';
import { PeerCallError } from '../peer-transport';
import { HttpPeerChannel } from './http-peer-channel';
import { InternalServer } from './internal-server';
import {
  channelTo,
  ECHO_ROUTE,
  echoResults,
  echoRouter,
  honest,
  MALFORMED,
  LATE_TIMEOUT_MS,
  reply,
  ScenarioServer,
  SECRET,
  startScenarioServer,
} from './testing/answer-scenarios';
import { runScenariosInWorker } from './testing/run-in-worker';

/** What a call to n2 ended in: its answer, or the PeerCallError it was refused with. */
async function outcome(call: Promise<unknown>): Promise<{ value: unknown } | { failure: string; peerId: string; route: string }> {
  try {
    return { value: await call };
  } catch (error) {
    if (!(error instanceof PeerCallError)) throw new Error(`expected a PeerCallError, got ${String(error)}`);
    return { failure: error.failure, peerId: error.peerId, route: error.route };
  }
}

describe('HttpPeerChannel: answers from a real HTTP peer', () => {
  let server: ScenarioServer;
  let channel: HttpPeerChannel;
  let health: PeerHealth;

  beforeAll(async () => {
    server = await startScenarioServer();
  });
  afterAll(() => server.close());

  beforeEach(() => {
    server.behave(honest);
    health = new PeerHealth('n1', ['n1', 'n2'], systemIds);
    channel = channelTo(server.url, health);
  });
  afterEach(async () => {
    // Late events (an answer after its deadline, a socket closing) happen inside the test
    // that caused them, where Jest fails the test on any unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, lingerMs));
    lingerMs = 20;
    channel.close();
  });
  let lingerMs = 20;

  it('takes a well-formed answer signed for its own request', async () => {
    expect(await outcome(channel.call('n2', ECHO_ROUTE, { x: 7 }))).toEqual({ value: { x: 7, by: 'n2' } });
    expect(server.received).not.toHaveLength(0);
    expect(health.reachable('n2')).toBe(true);
  });

  it.each(Object.entries(MALFORMED).map(([name, { behaviour, failure, peerTimeoutMs }]) => [name, failure, behaviour, peerTimeoutMs] as const))(
    'counts %s as n2 failing that call: PeerCallError(%s), nothing thrown elsewhere',
    async (_, failure, behaviour, peerTimeoutMs) => {
      server.behave(behaviour);
      if (peerTimeoutMs !== undefined) {
        channel.close();
        channel = channelTo(server.url, health, peerTimeoutMs);
        // The late answer arrives after the call failed: stay in this test until it has.
        lingerMs = peerTimeoutMs + 200;
      }
      expect(await outcome(channel.call('n2', ECHO_ROUTE, { x: 1 }))).toEqual({ failure, peerId: 'n2', route: ECHO_ROUTE });
    },
  );

  it('refuses a call to a replica that is not in its peer list', async () => {
    expect(await outcome(channel.call('n7', ECHO_ROUTE, { x: 1 }))).toEqual({ failure: 'rejected', peerId: 'n7', route: ECHO_ROUTE });
  });

  it('keeps working for the next call after a malformed answer', async () => {
    server.behave(MALFORMED['an answer that is not JSON'].behaviour);
    expect(await outcome(channel.call('n2', ECHO_ROUTE, { x: 1 }))).toMatchObject({ failure: 'invalid-answer' });
    server.behave(honest);
    expect(await outcome(channel.call('n2', ECHO_ROUTE, { x: 2 }))).toEqual({ value: { x: 2, by: 'n2' } });
  });

  it('sends calls made in the same tick as one signed batch, and a bad result for one message fails only that call', async () => {
    server.behave(({ response, batch, nonce }) => {
      const results = echoResults(batch).map((r) => (r.i === 1 ? { ...r, v: { x: 'wrong' } } : r));
      reply(response, 200, JSON.stringify({ a: results }), { nonce });
    });
    const before = server.received.length;
    const calls = [0, 1, 2].map((x) => outcome(channel.call('n2', ECHO_ROUTE, { x })));
    const results = await Promise.all(calls);
    expect(server.received.length - before).toBe(1);
    expect(server.received[server.received.length - 1].batch.m.map((m) => m.b)).toEqual([{ x: 0 }, { x: 1 }, { x: 2 }]);
    expect(results).toEqual([{ value: { x: 0, by: 'n2' } }, { failure: 'invalid-answer', peerId: 'n2', route: ECHO_ROUTE }, { value: { x: 2, by: 'n2' } }]);
  });

  it('a missing result fails only the message it belongs to', async () => {
    server.behave(({ response, batch, nonce }) => reply(response, 200, JSON.stringify({ a: echoResults(batch).filter((r) => r.i !== 0) }), { nonce }));
    const results = await Promise.all([0, 1].map((x) => outcome(channel.call('n2', ECHO_ROUTE, { x }))));
    expect(results).toEqual([{ failure: 'invalid-answer', peerId: 'n2', route: ECHO_ROUTE }, { value: { x: 1, by: 'n2' } }]);
  });

  it('marks the peer unreachable when it does not answer in time, and not when it merely refuses', async () => {
    server.behave(MALFORMED['a signed refusal of the whole batch'].behaviour);
    await outcome(channel.call('n2', ECHO_ROUTE, { x: 1 }));
    server.behave(honest);
    await outcome(channel.call('n2', ECHO_ROUTE, { x: 1 }));
    expect(health.reachable('n2')).toBe(true);
    server.behave(MALFORMED['an answer after the deadline'].behaviour);
    const hasty = channelTo(server.url, health, LATE_TIMEOUT_MS);
    await outcome(hasty.call('n2', ECHO_ROUTE, { x: 1 }));
    hasty.close();
    lingerMs = LATE_TIMEOUT_MS + 200;
    expect(health.reachable('n2')).toBe(false);
  });

  it('close() also ends a batch still in flight on a pool that a TLS reload retired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-channel-tls-'));
    try {
      const ca = await createTestCa(dir, 'reload');
      const leaf = await ca.issue('n1');
      let received = false;
      server.behave(() => {
        received = true; // and never answers
      });
      const call = outcome(channel.call('n2', ECHO_ROUTE, { held: true }));
      while (!received) await new Promise((resolve) => setTimeout(resolve, 5));
      channel.useTls(readTlsMaterial({ cert: leaf.certFile, key: leaf.keyFile, ca: ca.certFile }));
      const closedAt = Date.now();
      channel.close();
      // Ended by the close, not by the 2-second peer deadline.
      expect(await call).toMatchObject({ failure: 'unreachable', peerId: 'n2' });
      expect(Date.now() - closedAt).toBeLessThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a peer that refuses connections as unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const toNowhere = channelTo(`http://127.0.0.1:${port}`);
    expect(await outcome(toNowhere.call('n2', ECHO_ROUTE, { x: 1 }))).toEqual({ failure: 'unreachable', peerId: 'n2', route: ECHO_ROUTE });
    toNowhere.close();
  });
});

describe('HttpPeerChannel against the real InternalServer', () => {
  /** n2's InternalServer on a loopback port, signing with `signs` and accepting `verifies`. */
  async function serverN2(signs: string, verifies: readonly string[]) {
    const internal = new InternalServer(echoRouter(), {
      selfId: 'n2',
      peerIds: ['n1', 'n2'],
      peerSecret: signs,
      verifiedSecrets: verifies,
      requireClientCertificate: false,
      clock: systemClock,
      log: () => undefined,
    });
    const server = http.createServer((request, response) => internal.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { internal, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('round-trips a batch: the server authenticates the request and the channel accepts its signed answer', async () => {
    const n2 = await serverN2(SECRET, [SECRET]);
    const channel = channelTo(n2.url);
    try {
      const answers = await Promise.all([3, 4].map((x) => channel.call('n2', ECHO_ROUTE, { x })));
      expect(answers).toEqual([
        { x: 3, by: 'n2' },
        { x: 4, by: 'n2' },
      ]);
      expect(n2.internal.counters).toMatchObject({ batches: 1, messages: 2, refused: 0 });
    } finally {
      channel.close();
      await n2.close();
    }
  });

  it('closes a kept-alive connection that sat idle for its idle time itself, before the peer\'s server would', async () => {
    const internal = new InternalServer(echoRouter(), {
      selfId: 'n2',
      peerIds: ['n1', 'n2'],
      peerSecret: SECRET,
      verifiedSecrets: [SECRET],
      requireClientCertificate: false,
      clock: systemClock,
      log: () => undefined,
    });
    const server = http.createServer((request, response) => internal.handle(request, response));
    server.keepAliveTimeout = 10_000; // the server would close it only after 10 s
    const closed: number[] = [];
    server.on('connection', (socket) => socket.on('close', () => closed.push(Date.now())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const channel = new HttpPeerChannel(echoRouter(), {
      selfId: 'n1',
      peers: [
        { id: 'n1', url: 'http://127.0.0.1:9' },
        { id: 'n2', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      ],
      peerSecret: SECRET,
      verifiedSecrets: [SECRET],
      peerTimeoutMs: 2000,
      tls: null,
      clock: systemClock,
      health: new PeerHealth('n1', ['n1', 'n2'], systemIds),
      log: () => undefined,
      idleSocketMs: 200,
    });
    try {
      expect(await channel.call('n2', ECHO_ROUTE, { x: 7 })).toEqual({ x: 7, by: 'n2' });
      const answeredAt = Date.now();
      const deadline = answeredAt + 3000;
      while (closed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closed).toHaveLength(1);
      expect(closed[0] - answeredAt).toBeLessThan(2000);
      // And the next call opens a new connection and is answered.
      expect(await channel.call('n2', ECHO_ROUTE, { x: 8 })).toEqual({ x: 8, by: 'n2' });
    } finally {
      channel.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('a rolling change of the peer secret (VAULT_PEER_SECRET_ACCEPTED)', () => {
    const OLD = SECRET;
    const NEW = 'a-new-peer-secret-of-enough-length-0123456789';
    const call = async (channelSecrets: { signs: string; verifies: readonly string[] }, serverSigns: string, serverVerifies: readonly string[]) => {
      const n2 = await serverN2(serverSigns, serverVerifies);
      const channel = channelTo(n2.url, undefined, undefined, channelSecrets);
      try {
        return { ...(await outcome(channel.call('n2', ECHO_ROUTE, { x: 1 }))), refused: n2.internal.counters.refused };
      } finally {
        channel.close();
        await n2.close();
      }
    };

    it('lets a replica already on the new secret and one still on the old talk both ways once each accepts the other', async () => {
      // Step 1 of the change: everyone signs with OLD and accepts NEW; step 2: everyone signs with NEW and accepts OLD.
      // During the rollout of step 2 both kinds meet, in both directions.
      expect(await call({ signs: NEW, verifies: [NEW, OLD] }, OLD, [OLD, NEW])).toEqual({ value: { x: 1, by: 'n2' }, refused: 0 });
      expect(await call({ signs: OLD, verifies: [OLD, NEW] }, NEW, [NEW, OLD])).toEqual({ value: { x: 1, by: 'n2' }, refused: 0 });
    });

    it('refuses a request signed with a secret the server does not accept', async () => {
      expect(await call({ signs: NEW, verifies: [NEW, OLD] }, OLD, [OLD])).toMatchObject({ failure: expect.any(String), refused: 1 });
    });

    it('refuses an answer signed with a secret the caller does not accept', async () => {
      // The server accepts the request (it knows NEW) but answers with OLD, which the caller has dropped.
      expect(await call({ signs: NEW, verifies: [NEW] }, OLD, [OLD, NEW])).toMatchObject({ failure: 'invalid-answer', refused: 0 });
    });
  });
});

describe('HttpPeerChannel: no malformed answer throws anywhere but in its own call', () => {
  it("sees no unhandled rejection or uncaught exception on the process (process.on('unhandledRejection'))", async () => {
    // Jest's sandbox gives tests a copy of `process` whose listeners never hear the real
    // process's events, so this check runs every malformed scenario in a worker thread,
    // where process.on('unhandledRejection') and process.on('uncaughtException') are real.
    const report = await runScenariosInWorker();
    expect(report.selfCheck).toEqual({ unhandled: 1 }); // the worker's listener does see a deliberate one
    expect(report.outcomes).toEqual(Object.fromEntries(Object.entries(MALFORMED).map(([name, { failure }]) => [name, failure])));
    expect(report.unhandledRejections).toEqual([]);
    expect(report.uncaughtExceptions).toEqual([]);
  }, 30_000); // the worker transpiles the channel's modules first: seconds on a busy machine
});
