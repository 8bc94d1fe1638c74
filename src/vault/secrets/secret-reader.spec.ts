import { VaultError } from '../../common/errors';
import { seededIds } from '../../common/testing/seeded-ids';
import { settle, VirtualClock } from '../../common/testing/virtual-clock';
import { TxHeader } from '../../coordination/commit/participant';
import { PeerHealth } from '../../coordination/peer-health';
import { CallOptions, PeerCallError, PeerFailure, PeerTransport } from '../../coordination/peer-transport';
import { FetchShareAnswer, LockInfo, NameView, VAULT_ROUTES } from '../protocol';
import { ReadStats } from './read-stats';
import { SecretReader } from './secret-reader';
import { ReadyShares } from './share-gathering';
import { PreparedSplit, splitForReplicas } from './split';

const PEERS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const K = 3;
const M = 3;
const PEER_TIMEOUT_MS = 2_000;
const LOCK_TTL_MS = 1_000;
const LIFETIME = '55555555-5555-4555-8555-555555555555';
const VALUE = 'hunter2 but longer';
const T0 = 1_750_000_000_000;
/**
 * Measured latencies: n2 5 ms and n3 6 ms are the fastest others, so a read asks n1, n2
 * and n3 first. One sample each gives a mean of L and a deviation of L/2, so the hedge
 * delay is the slowest first replica's mean + 4 deviations: 6 + 4 x 3 = 18 ms.
 */
const LATENCY: Record<string, number> = { n1: 1, n2: 5, n3: 6, n4: 40, n5: 50 };
const HEDGE_MS = 18;

const VIEW: NameView = { lifetimeId: LIFETIME, revision: 1, status: 'live', currentVersion: 1, lastValidFrom: 1_000, deletedAt: null };

type Reply = { delay: number; answer?: FetchShareAnswer; fail?: PeerFailure };
type Script = (peerId: string, call: number, now: number) => Reply;

/** Peers that answer as the test's script says, after delays on the virtual clock. */
class ScriptedPeers implements PeerTransport {
  readonly calls: Array<{ peerId: string; route: string; body: unknown; at: number }> = [];
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly clock: VirtualClock,
    public script: Script,
  ) {}

  call<T>(peerId: string, route: string, body: unknown, _options?: CallOptions): Promise<T> {
    this.calls.push({ peerId, route, body, at: this.clock.now() });
    const n = this.counts.get(peerId) ?? 0;
    this.counts.set(peerId, n + 1);
    const reply = this.script(peerId, n, this.clock.now());
    return new Promise<T>((resolve, reject) => {
      this.clock.schedule(reply.delay, () => {
        if (reply.fail) reject(new PeerCallError(peerId, route, reply.fail, 'scripted'));
        else resolve(JSON.parse(JSON.stringify(reply.answer)) as T);
      });
    });
  }

  askedAt(at: number): string[] {
    return this.calls.filter((c) => c.at === at).map((c) => c.peerId).sort();
  }

  asked(): string[] {
    return [...new Set(this.calls.map((c) => c.peerId))].sort();
  }
}

describe('SecretReader: hedged quorum reads', () => {
  let split: PreparedSplit;
  let clock: VirtualClock;
  let peers: ScriptedPeers;
  let health: PeerHealth;
  let settled: Array<{ header: TxHeader; deadline: number; at: number }>;
  /** What finishing a transaction takes; by default it is done at once. */
  let finishing: () => Promise<void>;
  let repaired: Array<{ name: string; ready: ReadyShares; value: string }>;
  let stats: ReadStats;
  let logged: Array<{ level: string; msg: string; fields: Record<string, unknown> }>;
  let told: Array<{ peerId: string; names: Array<{ name: string; view: NameView }> }>;
  let reader: SecretReader;

  beforeAll(async () => {
    split = await splitForReplicas(VALUE, PEERS, K, seededIds(5, 0x42).uuid());
  });

  /** Replica `peerId`'s answer for version 1, with `over` changed. */
  const share = (peerId: string, over: Partial<FetchShareAnswer> = {}): FetchShareAnswer => {
    const envelope = split.envelopeFor(peerId);
    return {
      view: VIEW,
      lock: null,
      share: { lifetimeId: LIFETIME, version: 1, splitId: split.splitId, data: envelope.data, salt: envelope.salt, manifest: envelope.manifest, validFrom: 1_000, validTo: null },
      next: null,
      catchingUp: false,
      ...over,
    };
  };
  const noShare = (over: Partial<FetchShareAnswer> = {}): FetchShareAnswer => ({ ...share('n1'), share: null, ...over });
  const lockOf = (expiresInMs: number, txId = '66666666-6666-4666-8666-666666666666'): LockInfo => ({ txId, coordinator: 'n4', createdAt: T0 - 10_000, expiresInMs });
  /** Everyone answers well, each after its usual latency. */
  const healthy: Script = (peerId) => ({ delay: LATENCY[peerId], answer: share(peerId) });

  beforeEach(() => {
    clock = new VirtualClock(T0);
    peers = new ScriptedPeers(clock, healthy);
    health = new PeerHealth('n1', PEERS, seededIds(9));
    for (const id of PEERS.slice(1)) health.success(id, LATENCY[id], clock.now());
    settled = [];
    finishing = async () => undefined;
    repaired = [];
    stats = new ReadStats();
    logged = [];
    told = [];
    reader = new SecretReader({
      selfId: 'n1',
      peerIds: PEERS,
      n: PEERS.length,
      k: K,
      m: M,
      b: 1,
      peerTimeoutMs: PEER_TIMEOUT_MS,
      lockTtlMs: LOCK_TTL_MS,
      transport: peers,
      clock,
      health,
      stats,
      notifyStale: (peerId, names) => {
        told.push({ peerId, names });
      },
      settle: async (header, deadline) => {
        settled.push({ header, deadline, at: clock.now() });
        await finishing();
        return 'abort';
      },
      repair: async (name, ready, value) => {
        repaired.push({ name, ready, value });
      },
      log: (level, msg, fields) => {
        logged.push({ level, msg, fields });
      },
    });
  });

  /** Starts a read of version 1 (a historical-style read: no placement check follows it). */
  function readVersion1() {
    let resolvedAt: number | null = null;
    const promise = reader.read('S', 1);
    promise.then(
      () => (resolvedAt = clock.now()),
      () => (resolvedAt = clock.now()),
    );
    return { promise, resolvedAt: () => resolvedAt };
  }

  it('asks this replica and the m-1 fastest others first, and nobody else when they answer in time', async () => {
    const read = readVersion1();
    await settle();
    expect(peers.askedAt(T0)).toEqual(['n1', 'n2', 'n3']);
    await expect(clock.run(read.promise)).resolves.toMatchObject({ name: 'S', version: 1, value: VALUE });
    expect(read.resolvedAt()).toBe(T0 + LATENCY.n3);
    await clock.advance(1_000);
    expect(peers.asked()).toEqual(['n1', 'n2', 'n3']);
  });

  it('prefers reachable replicas: one that stopped answering is not among the first asked', async () => {
    health.failure('n2');
    const read = readVersion1();
    await settle();
    expect(peers.askedAt(T0)).toEqual(['n1', 'n3', 'n4']);
    await clock.run(read.promise);
  });

  it('widens to the other replicas once the hedge delay passed while one of the first is slow', async () => {
    peers.script = (peerId) => (peerId === 'n3' ? { delay: 1_000, answer: share('n3') } : healthy(peerId, 0, 0));
    const read = readVersion1();
    await clock.advance(HEDGE_MS - 1);
    expect(peers.asked()).toEqual(['n1', 'n2', 'n3']);
    await clock.advance(1);
    expect(peers.askedAt(T0 + HEDGE_MS)).toEqual(['n4', 'n5']);
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    // Answered by n4, long before the slow n3.
    expect(read.resolvedAt()).toBe(T0 + HEDGE_MS + LATENCY.n4);
  });

  it.each([
    ['answers without a share', (): Reply => ({ delay: LATENCY.n3, answer: noShare() })],
    ['fails', (): Reply => ({ delay: LATENCY.n3, fail: 'unreachable' })],
  ])('widens at once, before the hedge delay, when one of the first %s and the others have answered', async (_, reply) => {
    peers.script = (peerId) => (peerId === 'n3' ? reply() : healthy(peerId, 0, 0));
    const read = readVersion1();
    await clock.advance(LATENCY.n3);
    expect(peers.askedAt(T0 + LATENCY.n3)).toEqual(['n4', 'n5']);
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    expect(read.resolvedAt()).toBe(T0 + LATENCY.n3 + LATENCY.n4);
  });

  it('widens at once when one of the first fails, without waiting for the others of the first to answer', async () => {
    // n2 fails at once: n1 and n3 alone can never make m answers, so waiting on n3 gains nothing.
    peers.script = (peerId) => (peerId === 'n2' ? { delay: 1, fail: 'unreachable' } : peerId === 'n3' ? { delay: 15, answer: share('n3') } : healthy(peerId, 0, 0));
    const read = readVersion1();
    await clock.advance(1);
    expect(peers.askedAt(T0 + 1)).toEqual(['n4', 'n5']);
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    expect(read.resolvedAt()).toBe(T0 + 1 + LATENCY.n4);
  });

  it('never answers from fewer than m unlocked answers: replicas holding a lock do not count', async () => {
    const lock = lockOf(800);
    peers.script = (peerId) =>
      peerId === 'n2' || peerId === 'n3' ? { delay: LATENCY[peerId], answer: share(peerId, { lock }) } : { delay: peerId === 'n4' ? 100 : peerId === 'n5' ? 200 : 1, answer: share(peerId) };
    const read = readVersion1();
    await clock.advance(LATENCY.n3 + 100);
    // n1 and n4 are the only unlocked answers so far, though k good shares are in.
    expect(read.resolvedAt()).toBeNull();
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    expect(read.resolvedAt()).toBe(T0 + LATENCY.n3 + 200);
    expect(settled).toEqual([]);
  });

  it('waits and reads again while a write holds the name on too many replicas, and answers once it is gone', async () => {
    const until = T0 + 50;
    peers.script = (peerId, _, now) => ({ delay: LATENCY[peerId], answer: share(peerId, now < until ? { lock: lockOf(700) } : {}) });
    const read = readVersion1();
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    expect(read.resolvedAt()).toBeGreaterThanOrEqual(until);
    // A second round of fetches, begun after the first one reported the locks.
    const selfCalls = peers.calls.filter((c) => c.route === VAULT_ROUTES.fetch && c.peerId === 'n1');
    expect(selfCalls.length).toBeGreaterThanOrEqual(2);
    expect(selfCalls[1].at).toBeGreaterThan(T0 + LATENCY.n3 + LATENCY.n5);
    expect(settled).toEqual([]);
  });

  it('settles a lock whose lease ran out through the settle callback, once while it runs, and then reads', async () => {
    let finished = false;
    // Settling takes 500 ms: several rounds of fetches meet the expired lock meanwhile.
    finishing = async () => {
      await clock.sleep(500);
      finished = true;
    };
    const expired = lockOf(-10);
    peers.script = (peerId) => ({ delay: LATENCY[peerId], answer: share(peerId, finished ? {} : { lock: expired }) });
    const read = readVersion1();
    // The first round ends when the last replica asked (n5, asked at 6 ms once the first fell short) answers.
    await clock.run(clock.sleep(LATENCY.n3 + LATENCY.n5 + 1));
    expect(settled).toHaveLength(1);
    expect(settled[0].header).toEqual({ txId: expired.txId, coordinator: 'n4', createdAt: expired.createdAt, names: ['S'] });
    expect(settled[0].deadline).toBe(settled[0].at + 3 * PEER_TIMEOUT_MS);
    await expect(clock.run(read.promise)).resolves.toMatchObject({ value: VALUE });
    expect(read.resolvedAt()).toBeGreaterThan(settled[0].at + 500);
    expect(peers.calls.filter((c) => c.peerId === 'n1').length).toBeGreaterThan(3);
    expect(settled).toHaveLength(1);
  });

  it('gives up with INSUFFICIENT_SHARDS after about two lock leases if the locks stay', async () => {
    peers.script = (peerId) => ({ delay: LATENCY[peerId], answer: share(peerId, { lock: lockOf(5_000) }) });
    const read = readVersion1();
    const error = await clock.run(read.promise).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('INSUFFICIENT_SHARDS');
    expect(read.resolvedAt()).toBeGreaterThanOrEqual(T0 + 2 * LOCK_TTL_MS - 100);
    expect(read.resolvedAt()).toBeLessThanOrEqual(T0 + 2 * LOCK_TTL_MS + 200);
  });

  it('answers INSUFFICIENT_SHARDS, not a value, when fewer than m replicas answer at all', async () => {
    peers.script = (peerId) => (peerId === 'n1' || peerId === 'n2' ? healthy(peerId, 0, 0) : { delay: 30, fail: 'timeout' });
    const error = await clock.run(reader.read('S', 1)).catch((e: unknown) => e);
    expect((error as VaultError).code).toBe('INSUFFICIENT_SHARDS');
    expect((error as VaultError).extra).toEqual({ answered: 2 });
  });

  it('refuses a read that a quorum answered with too few consistent shares, and logs what each replica held', async () => {
    peers.script = (peerId) =>
      peerId === 'n1' || peerId === 'n2' ? healthy(peerId, 0, 0) : peerId === 'n5' ? { delay: 30, fail: 'timeout' } : { delay: LATENCY[peerId], answer: noShare() };
    const error = await clock.run(reader.read('S', 1)).catch((e: unknown) => e);
    expect((error as VaultError).code).toBe('INSUFFICIENT_SHARDS');
    expect((error as VaultError).extra).toEqual({ shares: 2 });
    const refusal = logged.find((line) => line.msg === 'read refused: too few consistent shares');
    expect(refusal).toMatchObject({ level: 'warn', fields: { name: 'S', version: 1 } });
    const prefix = split.splitId.slice(0, 8);
    expect(refusal!.fields.answers).toEqual({
      n1: `revision ${VIEW.revision}, version 1 split ${prefix} good`,
      n2: `revision ${VIEW.revision}, version 1 split ${prefix} good`,
      n3: `revision ${VIEW.revision}, no share`,
      n4: `revision ${VIEW.revision}, no share`,
      n5: 'failed',
    });
  });

  it('asks again, and answers, when replicas asked just before they applied the latest write leave too few shares', async () => {
    const second = await splitForReplicas('the second value', PEERS, K, seededIds(6, 0x43).uuid());
    const view2: NameView = { ...VIEW, revision: 2, currentVersion: 2, lastValidFrom: 2_000 };
    const applied = (peerId: string): FetchShareAnswer => {
      const envelope = second.envelopeFor(peerId);
      const stored = { lifetimeId: LIFETIME, version: 2, splitId: second.splitId, data: envelope.data, salt: envelope.salt, manifest: envelope.manifest };
      return { view: view2, lock: null, share: { ...stored, validFrom: 2_000, validTo: null }, next: null, catchingUp: false };
    };
    // The first round finds version 2 on n1 and n2 only: n3 and n4 answer from just before
    // they applied it, n5 does not answer. The second round finds it on n3 and n4 too.
    peers.script = (peerId, call) => {
      if (peerId === 'n5') return { delay: 30, fail: 'timeout' };
      if (call === 0 && (peerId === 'n3' || peerId === 'n4')) return { delay: LATENCY[peerId], answer: share(peerId) };
      return { delay: LATENCY[peerId], answer: applied(peerId) };
    };
    const result = await clock.run(reader.read('S'));
    expect(result).toMatchObject({ version: 2, value: 'the second value' });
    expect(told).toEqual(
      expect.arrayContaining([
        { peerId: 'n3', names: [{ name: 'S', view: view2 }] },
        { peerId: 'n4', names: [{ name: 'S', view: view2 }] },
      ]),
    );
    expect(logged.filter((line) => line.msg.startsWith('read refused'))).toEqual([]);
  });

  it('refuses, naming them, when replicas stay behind the latest view for about two lock leases', async () => {
    const view2: NameView = { ...VIEW, revision: 2, currentVersion: 2, lastValidFrom: 2_000 };
    // n1 and n2 say version 2 exists but hold no share of it; the others keep answering version 1.
    peers.script = (peerId) =>
      peerId === 'n1' || peerId === 'n2' ? { delay: LATENCY[peerId], answer: noShare({ view: view2 }) } : { delay: LATENCY[peerId], answer: share(peerId) };
    const error = await clock.run(reader.read('S').catch((e: unknown) => e));
    expect((error as VaultError).code).toBe('INSUFFICIENT_SHARDS');
    expect((error as VaultError).extra).toEqual({ behind: ['n3', 'n4', 'n5'] });
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 2 * LOCK_TTL_MS - 100);
  });

  it('after answering a read of the latest version, asks the replicas not asked yet and repairs a version held by few', async () => {
    // Only n1, n2 and n3 hold a share: s = 3 = k, within k + b, below n.
    peers.script = (peerId) => ({ delay: LATENCY[peerId], answer: ['n1', 'n2', 'n3'].includes(peerId) ? share(peerId) : noShare() });
    const read = reader.read('S');
    await expect(clock.run(read)).resolves.toMatchObject({ version: 1, value: VALUE });
    await clock.run(clock.sleep(100));
    expect(peers.asked()).toEqual(PEERS);
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatchObject({ name: 'S', value: VALUE, ready: { version: 1, splitId: split.splitId } });
    expect(repaired[0].ready.shares.map((s) => s.peerId).sort()).toEqual(['n1', 'n2', 'n3']);
  });

  it('counts a corrupted share that only the placement check met, on a replica the read did not ask first', async () => {
    // n4 is not among the first asked (n1, n2, n3): its share, one byte changed, no longer matches its digest.
    const corrupted = (peerId: string): FetchShareAnswer => {
      const answer = share(peerId);
      const bytes = Buffer.from(answer.share!.data, 'base64');
      bytes[0] ^= 0xff;
      return { ...answer, share: { ...answer.share!, data: bytes.toString('base64') } };
    };
    peers.script = (peerId) => ({ delay: LATENCY[peerId], answer: peerId === 'n4' ? corrupted(peerId) : share(peerId) });
    await expect(clock.run(reader.read('S'))).resolves.toMatchObject({ version: 1, value: VALUE });
    expect(stats.shares.corruptSkipped).toBe(0);
    await clock.run(clock.sleep(100));
    expect(peers.asked()).toEqual(PEERS);
    expect(stats.shares.corruptSkipped).toBe(1);
    // Four good shares of five: within k + b, so the placement is repaired.
    expect(repaired).toHaveLength(1);
  });

  describe('history', () => {
    const AT_V3: NameView = { ...VIEW, revision: 3, currentVersion: 3, lastValidFrom: 3_000 };
    /** A replica's history answer for a name at version 3, holding the versions given. */
    const holding = (versions: number[]): Reply => ({
      delay: 5,
      answer: { view: AT_V3, lock: null, versions: versions.map((v) => ({ version: v, validFrom: v * 1_000 })), catchingUp: false } as unknown as FetchShareAnswer,
    });

    it('lists every version with its interval when the answers together hold them all', async () => {
      peers.script = (peerId) => holding(peerId === 'n4' ? [1, 2, 3] : [1, 3]);
      await expect(clock.run(reader.history('S'))).resolves.toEqual({
        name: 'S',
        versions: [
          { version: 1, validFrom: 1_000, validTo: 2_000 },
          { version: 2, validFrom: 2_000, validTo: 3_000 },
          { version: 3, validFrom: 3_000, validTo: null },
        ],
      });
    });

    it('refuses with INSUFFICIENT_SHARDS, naming the versions, rather than list a gap when only replicas that do not answer hold one', async () => {
      // Version 2 sits on n4 and n5 alone, and both are cut off (found by the fault suite, seed 5017).
      peers.script = (peerId) => (peerId === 'n4' || peerId === 'n5' ? { delay: 30, fail: 'unreachable' } : holding([1, 3]));
      const error = await clock.run(reader.history('S')).catch((e: unknown) => e);
      expect((error as VaultError).code).toBe('INSUFFICIENT_SHARDS');
      expect((error as VaultError).extra).toEqual({ versions: [2] });
    });
  });
});
