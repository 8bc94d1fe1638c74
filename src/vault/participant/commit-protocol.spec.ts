import { Ids } from '../../common/ids';
import { seededIds } from '../../common/testing/seeded-ids';
import { settle, VirtualClock } from '../../common/testing/virtual-clock';
import { ballotZero, Outcome } from '../../coordination/commit/ballot';
import { TransactionPlan } from '../../coordination/commit/coordinator';
import { AcceptMessage, COMMIT_ROUTES, PrepareMessage } from '../../coordination/commit/messages';
import { TxHeader } from '../../coordination/commit/participant';
import { PeerCallError } from '../../coordination/peer-transport';
import { CommitDecision, PrepareInfo } from '../protocol';
import { PreparedSplit } from '../secrets/split';
import { TX_RETENTION_MS } from '../state/replica-machine';
import { splitOf } from '../state/testing/fixtures';
import { CommitCluster, commitCluster, CommitUnconfirmed, CoordinatorCrashed, createDecision, createPlan } from '../testing/commit-cluster';
import { ReplicaParticipant } from './replica-participant';

const REPLICAS = ['n1', 'n2', 'n3'];
const M = 2;
const LOCK_TTL_MS = 5_000;
const T0 = 1_750_000_000_000;

describe('Paxos Commit over an in-memory network of replicas (coordinator, acceptors, settlers)', () => {
  let clock: VirtualClock;
  let ids: Ids;
  let split: PreparedSplit;
  let cluster: CommitCluster;
  let lifetimeId: string;

  beforeAll(async () => {
    split = await splitOf(seededIds(11, 0x77), 'the value', REPLICAS, 2);
  });

  async function start(faultPoints: Record<string, string> = {}): Promise<CommitCluster> {
    clock = new VirtualClock(T0);
    ids = seededIds();
    cluster = await commitCluster({ ids: REPLICAS, m: M, clock, idGen: ids, lockTtlMs: LOCK_TTL_MS, faultPoints });
    lifetimeId = ids.uuid();
    return cluster;
  }

  const node = (id: string) => cluster.nodes[id];
  const plan = () => createPlan({ name: 'S', split, m: M, lifetimeId, at: clock.now() });
  const fetchS = (id: string) => node(id).state.fetch({ name: 'S' });
  /** The header of the transaction the coordinator prepared (the first one sent). */
  const preparedHeader = (): TxHeader => (cluster.network.sent(COMMIT_ROUTES.prepare)[0].body as PrepareMessage).header;
  /** What `id` now says the transaction's outcome is (a promise at a high ballot asks without side effects once decided). */
  const outcomeAt = async (id: string, header: TxHeader) => node(id).state.promise(header, { round: 1_000, node: 'n9' });

  /** Runs the coordinator on n1 until it crashes at its fault point, leaving every replica prepared. */
  async function preparedEverywhereThenCrash(): Promise<TxHeader> {
    await expect(clock.run(node('n1').engine.run(plan()))).rejects.toBeInstanceOf(CoordinatorCrashed);
    await settle();
    return preparedHeader();
  }

  describe('ballot 0 (the coordinator)', () => {
    it('is chosen with m accepts: the coordinator reports success and the yes-voters apply the commit', async () => {
      await start();
      cluster.network.setDown('n3');
      await expect(clock.run(node('n1').engine.run(plan()))).resolves.toBe('committed');
      await settle();
      const accepts = cluster.network.sent(COMMIT_ROUTES.accept).map((m) => ({ to: m.to, ballot: (m.body as AcceptMessage).ballot, value: (m.body as AcceptMessage).value }));
      expect(accepts).toEqual([
        { to: 'n1', ballot: ballotZero('n1'), value: 'commit' },
        { to: 'n2', ballot: ballotZero('n1'), value: 'commit' },
      ]);
      for (const id of ['n1', 'n2']) {
        const answer = await fetchS(id);
        expect(answer.view).toMatchObject({ lifetimeId, revision: 1, status: 'live', currentVersion: 1 });
        expect(answer.lock).toBeNull();
        expect(answer.share?.splitId).toBe(split.splitId);
      }
      expect(cluster.network.sent(COMMIT_ROUTES.promise)).toEqual([]);
    });

    it('is not reported as success when fewer than m replicas accepted: the coordinator settles first', async () => {
      await start();
      // n2's and n3's acceptances are lost on the way back: only n1 accepted, so nothing is chosen yet.
      cluster.network.addFault((call) => (call.route === COMMIT_ROUTES.accept && call.to !== 'n1' && (call.body as AcceptMessage).ballot.round === 0 ? 'lose-answer' : 'pass'));
      // The settle it then runs learns the commit: m promises include the acceptors of ballot 0.
      await expect(clock.run(node('n1').engine.run(plan()))).resolves.toBe('committed');
      expect(cluster.network.sent(COMMIT_ROUTES.promise).length).toBeGreaterThan(0);
      await settle();
      for (const id of REPLICAS) expect((await fetchS(id)).view.status).toBe('live');
    });

    it('a coordinator whose accept(0) lost the race to a higher promise does not report success', async () => {
      await start();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      cluster.network.addGate(async (call) => {
        if (call.route === COMMIT_ROUTES.accept && (call.body as AcceptMessage).ballot.round === 0) await held;
      });
      let settledRun = false;
      const running = node('n1').engine.run(plan());
      running.catch(() => undefined).finally(() => (settledRun = true));
      await settle();
      expect(cluster.network.sent(COMMIT_ROUTES.accept)).toHaveLength(3); // sent, held on the way
      // Meanwhile n2 decides the coordinator is gone and settles the transaction: nothing accepted, so abort.
      await expect(clock.run(node('n2').engine.settle(preparedHeader(), clock.now() + 10_000))).resolves.toBe('abort');
      expect(settledRun).toBe(false);
      release();
      const error = await clock.run(running).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommitUnconfirmed);
      expect((error as CommitUnconfirmed).state).toBe('aborted');
      await settle();
      for (const id of REPLICAS) {
        expect(await fetchS(id)).toMatchObject({ view: { status: 'absent' }, lock: null, share: null });
        expect(node(id).backend.shareRows()).toEqual([]);
      }
    });

    it('a coordinator whose accept(0) met a promise in flight (not yet an accepted abort) does not report success either', async () => {
      await start();
      let releaseZero!: () => void;
      const zeroHeld = new Promise<void>((resolve) => (releaseZero = resolve));
      let releaseOne!: () => void;
      const oneHeld = new Promise<void>((resolve) => (releaseOne = resolve));
      cluster.network.addGate(async (call) => {
        if (call.route !== COMMIT_ROUTES.accept) return;
        const { ballot } = call.body as AcceptMessage;
        if (ballot.round === 0) await zeroHeld;
        else if (ballot.node === 'n2') await oneHeld;
      });
      const running = node('n1').engine.run(plan());
      running.catch(() => undefined);
      await settle();
      // n2's recovery gets its promises in, then its accepts are held too.
      const recovering = node('n2').engine.settle(preparedHeader(), clock.now() + 10_000);
      await settle();
      expect(cluster.network.sent(COMMIT_ROUTES.promise).filter((m) => m.from === 'n2')).toHaveLength(3);
      releaseZero();
      const error = await clock.run(running).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommitUnconfirmed);
      releaseOne();
      const recovered = await clock.run(recovering);
      expect(recovered === null || recovered === 'abort').toBe(true);
      await settle();
      for (const id of REPLICAS) expect(await outcomeAt(id, preparedHeader())).toMatchObject({ kind: 'decided', outcome: 'abort' });
    });
  });

  describe('recovery at a higher ballot (the settler)', () => {
    it('adopts a commit chosen at ballot 0 whose coordinator died before telling anyone', async () => {
      await start({ n1: 'after-chosen' });
      const header = await preparedEverywhereThenCrash();
      expect((await fetchS('n2')).lock?.txId).toBe(header.txId);
      await expect(clock.run(node('n3').engine.settle(header, clock.now() + 10_000))).resolves.toBe('commit');
      await settle();
      for (const id of REPLICAS) {
        expect(await fetchS(id)).toMatchObject({ view: { lifetimeId, status: 'live', revision: 1 }, lock: null, share: { splitId: split.splitId } });
      }
      const ballots = cluster.network.sent(COMMIT_ROUTES.promise).map((m) => (m.body as { ballot: { round: number; node: string } }).ballot);
      expect(ballots.every((ballot) => ballot.round >= 1 && ballot.node === 'n3')).toBe(true);
    });

    it('adopts a commit accepted by a single replica when that replica is in its promise quorum', async () => {
      await start({ n1: 'before-accept' });
      const header = await preparedEverywhereThenCrash();
      // Only n3 received the coordinator's accept(0): commit was not chosen, but may have been.
      const d = createDecision('S', lifetimeId, clock.now());
      expect(await node('n3').state.accept(header, ballotZero('n1'), 'commit', d, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      cluster.network.setDown('n1');
      await expect(clock.run(node('n2').engine.settle(header, clock.now() + 10_000))).resolves.toBe('commit');
      await settle();
      for (const id of ['n2', 'n3']) expect(await fetchS(id)).toMatchObject({ view: { status: 'live' }, lock: null, share: { splitId: split.splitId } });
    });

    it('proposes abort when no replica of its quorum accepted anything: locks and prepared shares go', async () => {
      await start({ n1: 'before-accept' });
      const header = await preparedEverywhereThenCrash();
      await expect(clock.run(node('n2').engine.settle(header, clock.now() + 10_000))).resolves.toBe('abort');
      await settle();
      for (const id of REPLICAS) {
        expect(await fetchS(id)).toMatchObject({ view: { status: 'absent' }, lock: null });
        expect(node(id).backend.shareRows()).toEqual([]);
        expect(await outcomeAt(id, header)).toEqual({ kind: 'decided', outcome: 'abort', decision: null });
      }
    });

    it('may abort a commit accepted outside its quorum (it was never chosen), and that acceptor learns the abort when it settles', async () => {
      await start({ n1: 'before-accept' });
      const header = await preparedEverywhereThenCrash();
      await node('n3').state.accept(header, ballotZero('n1'), 'commit', createDecision('S', lifetimeId, clock.now()), LOCK_TTL_MS);
      cluster.network.setDown('n3');
      await expect(clock.run(node('n2').engine.settle(header, clock.now() + 10_000))).resolves.toBe('abort');
      cluster.network.setDown('n3', false);
      await clock.advance(LOCK_TTL_MS + 1);
      expect(await clock.run(node('n3').engine.settleInDoubt())).toEqual({ settled: 1, unsettled: 0, forgotten: 0 });
      await settle();
      expect(await fetchS('n3')).toMatchObject({ view: { status: 'absent' }, lock: null });
      expect(await outcomeAt('n3', header)).toMatchObject({ kind: 'decided', outcome: 'abort' });
    });

    it('settling from one name of a two-name transaction (as a reader that met one expired lock does) frees both names', async () => {
      await start({ n1: 'before-accept' });
      const twoNames = createPlan({ name: 'A', alsoNames: ['B'], split, m: M, lifetimeId, at: clock.now() });
      await expect(clock.run(node('n1').engine.run(twoNames))).rejects.toBeInstanceOf(CoordinatorCrashed);
      await settle();
      const header = preparedHeader();
      expect(header.names).toEqual(['A', 'B']);
      // SecretReader.settleInBackground names the name it read, only.
      await expect(clock.run(node('n2').engine.settle({ ...header, names: ['A'] }, clock.now() + 10_000))).resolves.toBe('abort');
      await settle();
      for (const id of REPLICAS) {
        expect((await node(id).state.fetch({ name: 'A' })).lock).toBeNull();
        expect((await node(id).state.fetch({ name: 'B' })).lock).toBeNull();
      }
      // Nothing settles B later: the transaction is decided everywhere, so it is no longer in doubt.
      await clock.advance(LOCK_TTL_MS + 1);
      for (const id of REPLICAS) expect(await node(id).state.inDoubt(10)).toEqual([]);
    });

    it.each([
      ['nothing was accepted', 0, 'abort'],
      ['one replica accepted commit', 1, null],
      ['commit was chosen (m replicas accepted it)', 2, 'commit'],
    ] as const)('two settlers racing choose the same outcome when %s', async (_, acceptedBy, expected) => {
      for (let seed = 1; seed <= 8; seed++) {
        await start({ n1: 'before-accept' });
        const header = await preparedEverywhereThenCrash();
        const d = createDecision('S', lifetimeId, clock.now());
        for (const id of ['n3', 'n1'].slice(0, acceptedBy)) await node(id).state.accept(header, ballotZero('n1'), 'commit', d, LOCK_TTL_MS);
        // Every message takes 0 to 3 ms, differently for every seed: the two settlers' rounds interleave.
        const delays = seededIds(seed);
        cluster.network.addGate(() => clock.sleep(Math.floor(delays.random() * 4)));
        const deadline = clock.now() + 20_000;
        const outcomes = await clock.run(Promise.all([node('n2').engine.settle(header, deadline), node('n3').engine.settle(header, deadline)]));
        await clock.run(clock.sleep(50));
        expect(outcomes[0]).not.toBeNull();
        expect(outcomes[1]).toBe(outcomes[0]);
        if (expected) expect(outcomes[0]).toBe(expected);
        for (const id of REPLICAS) expect(await outcomeAt(id, header)).toMatchObject({ kind: 'decided', outcome: outcomes[0] as Outcome });
      }
    });
  });

  describe('outcomes that overtake prepares', () => {
    it('a decided for an unknown transaction, then its late prepare: the replica votes no and takes no lock', async () => {
      await start();
      const participant = new ReplicaParticipant(node('n3').state, LOCK_TTL_MS);
      const header: TxHeader = { txId: ids.uuid(), coordinator: 'n1', createdAt: clock.now(), names: ['S'] };
      await participant.decide(header, 'abort', null);
      const vote = await participant.prepare(header, { items: [{ name: 'S', op: 'create', share: split.envelopeFor('n3') }] });
      expect(vote).toMatchObject({ yes: false, reason: 'aborted' });
      expect((await fetchS('n3')).lock).toBeNull();
      expect(node('n3').backend.shareRows()).toEqual([]);
    });

    it('the coordinator tells a replica whose vote it did not wait for, and that replica’s late prepare then locks nothing', async () => {
      await start();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      cluster.network.addGate(async (call) => {
        if (call.route === COMMIT_ROUTES.prepare && call.to === 'n3') await held;
      });
      // A plan that refuses as soon as two votes are in (say, the name turned out to exist).
      const refusing: TransactionPlan<PrepareInfo, CommitDecision & Record<string, unknown>, never> = {
        ...plan(),
        decide: (votes) => (votes.length >= 2 ? { kind: 'abort', error: new Error('exists') } : null),
      } as TransactionPlan<PrepareInfo, CommitDecision & Record<string, unknown>, never>;
      await expect(clock.run(node('n1').engine.run(refusing))).rejects.toThrow('exists');
      await settle();
      expect(cluster.network.sent(COMMIT_ROUTES.decided, 'n3')).toHaveLength(1);
      release();
      await settle();
      expect((await fetchS('n3')).lock).toBeNull();
      expect(node('n3').backend.shareRows()).toEqual([]);
      for (const id of ['n1', 'n2']) expect((await fetchS(id)).lock).toBeNull();
    });
  });

  describe('settling in doubt (each replica’s background pass)', () => {
    it('leaves a transaction alone while its lease runs, then finishes it', async () => {
      await start({ n1: 'after-chosen' });
      const header = await preparedEverywhereThenCrash();
      expect(await clock.run(node('n2').engine.settleInDoubt())).toEqual({ settled: 0, unsettled: 0, forgotten: 0 });
      expect((await fetchS('n2')).lock?.txId).toBe(header.txId);
      await clock.advance(LOCK_TTL_MS + 1);
      expect(await clock.run(node('n2').engine.settleInDoubt())).toEqual({ settled: 1, unsettled: 0, forgotten: 0 });
      await settle();
      for (const id of REPLICAS) expect(await fetchS(id)).toMatchObject({ view: { status: 'live' }, lock: null });
    });

    it('settles every transaction in doubt in one pass, each on its own and all at once: none waits for its coordinator, and one that cannot be settled holds up no other', async () => {
      await start();
      cluster.network.setDown('n3'); // every coordinator below: unreachable, for good
      const headers: TxHeader[] = [];
      for (let i = 0; i < 20; i++) {
        const lock = { txId: ids.uuid(), coordinator: 'n3', createdAt: clock.now() };
        await node('n1').state.adopt([{ name: `N${i}`, view: { lifetimeId: null, revision: 0, status: 'absent', currentVersion: 0, lastValidFrom: null, deletedAt: null }, lock }], LOCK_TTL_MS);
        headers.push({ txId: lock.txId, coordinator: 'n3', createdAt: lock.createdAt, names: [`N${i}`] });
      }
      const stuck = headers[0].txId;
      // Every message takes 400 ms; those about the first transaction never get an answer
      // (they time out after the peer timeout, as on the real channel).
      cluster.network.addGate(async (call) => {
        const header = (call.body as { header?: TxHeader }).header;
        if (header?.txId !== stuck) return clock.sleep(400);
        await clock.sleep(1_000);
        throw new PeerCallError(call.to, call.route, 'timeout', 'no answer');
      });
      await clock.advance(LOCK_TTL_MS + 1);
      const started = clock.now();
      const tally = await clock.run(node('n1').engine.settleInDoubt());
      expect(tally).toEqual({ settled: 19, unsettled: 1, forgotten: 0 });
      // One after the other, 19 settlements of two rounds each would take over 15 s; together
      // they take two rounds, and the stuck one gives up at its own deadline (3 peer timeouts).
      expect(clock.now() - started).toBeLessThanOrEqual(3 * 1_000 + 400);
      for (const h of headers.slice(1)) expect((await node('n1').state.fetch({ name: h.names[0] })).lock).toBeNull();
      expect((await node('n1').state.fetch({ name: 'N0' })).lock?.txId).toBe(stuck);
    });

    it('drops (abandons) a transaction no quorum remembers any more, releasing its lock', async () => {
      await start();
      await clock.advance(2 * TX_RETENTION_MS);
      const lock = { txId: ids.uuid(), coordinator: 'n3', createdAt: T0 + 12 * 60 * 60 * 1000 };
      await node('n1').state.adopt([{ name: 'S', view: { lifetimeId: null, revision: 0, status: 'absent', currentVersion: 0, lastValidFrom: null, deletedAt: null }, lock }], LOCK_TTL_MS);
      await clock.advance(LOCK_TTL_MS + 1);
      expect(await clock.run(node('n1').engine.settleInDoubt())).toEqual({ settled: 0, unsettled: 0, forgotten: 1 });
      expect((await fetchS('n1')).lock).toBeNull();
      expect(await node('n1').state.inDoubt(10)).toEqual([]);
    });
  });
});
