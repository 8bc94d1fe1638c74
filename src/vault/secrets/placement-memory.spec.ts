import { seededIds } from '../../common/testing/seeded-ids';
import { settle, VirtualClock } from '../../common/testing/virtual-clock';
import { COMMIT_ROUTES } from '../../coordination/commit/messages';
import { CommitCluster, commitCluster } from '../testing/commit-cluster';
import { PLACEMENT_CHECK_TTL_MS, PlacedVersion, PlacementMemory } from './placement-memory';
import { SecretTransactions } from './secret-transactions';
import { WriteSecret } from './write-secret';

const T0 = 1_750_000_000_000;
const REPLICAS = ['n1', 'n2', 'n3'];

describe('PlacementMemory', () => {
  const placed: PlacedVersion = { name: 'S', lifetimeId: '55555555-5555-4555-8555-555555555555', version: 2, revision: 3, splitId: '66666666-6666-4666-8666-666666666666' };

  it('vouches for exactly the version, revision and split it was told of, for a minute', async () => {
    const clock = new VirtualClock(T0);
    const memory = new PlacementMemory(clock);
    expect(memory.isFresh(placed)).toBe(false);
    memory.remember(placed);
    expect(memory.isFresh(placed)).toBe(true);
    expect(memory.isFresh({ ...placed, splitId: '77777777-7777-4777-8777-777777777777' })).toBe(false);
    expect(memory.isFresh({ ...placed, revision: 4 })).toBe(false);
    expect(memory.isFresh({ ...placed, version: 3 })).toBe(false);
    await clock.advance(PLACEMENT_CHECK_TTL_MS - 1);
    expect(memory.isFresh(placed)).toBe(true);
    await clock.advance(1);
    expect(memory.isFresh(placed)).toBe(false);
  });

  it('forgets the entry it was told of first when full', () => {
    const memory = new PlacementMemory(new VirtualClock(T0), 2);
    memory.remember({ ...placed, name: 'A' });
    memory.remember({ ...placed, name: 'B' });
    memory.remember({ ...placed, name: 'A' }); // told again: now the newest
    memory.remember({ ...placed, name: 'C' });
    expect(['A', 'B', 'C'].map((name) => memory.isFresh({ ...placed, name }))).toEqual([true, false, true]);
  });
});

describe('SecretTransactions: a write every replica prepared is remembered as well placed', () => {
  let clock: VirtualClock;
  let cluster: CommitCluster;
  let placement: PlacementMemory;
  let writer: WriteSecret;

  beforeEach(async () => {
    clock = new VirtualClock(T0);
    const ids = seededIds(21);
    cluster = await commitCluster({ ids: REPLICAS, m: 2, clock, idGen: ids });
    placement = new PlacementMemory(clock);
    const transactions = new SecretTransactions({
      selfId: 'n1',
      peerIds: REPLICAS,
      n: 3,
      k: 2,
      m: 2,
      peerSecret: 'a peer secret of at least thirty-two characters',
      lockWaitMs: 1_000,
      clock,
      ids,
      engine: cluster.nodes.n1.engine,
      notifyStale: () => undefined,
      placement,
    });
    writer = new WriteSecret(transactions);
  });

  /** What n1 now holds for `name`, as the reader will see it. */
  async function committed(name: string): Promise<PlacedVersion> {
    const answer = await cluster.nodes.n1.state.fetch({ name });
    return { name, lifetimeId: answer.view.lifetimeId, version: answer.view.currentVersion, revision: answer.view.revision, splitId: answer.share!.splitId };
  }

  it('after a create and an update that every replica voted for, both versions are remembered', async () => {
    await clock.run(writer.create({ name: 'S', value: 'first', gatewayTime: clock.now() }));
    await settle();
    const first = await committed('S');
    expect(placement.isFresh(first)).toBe(true);
    await clock.run(writer.update({ name: 'S', value: 'second', gatewayTime: clock.now() }));
    await settle();
    const second = await committed('S');
    expect(second).toMatchObject({ version: 2, revision: 2 });
    expect(placement.isFresh(second)).toBe(true);
  });

  it('a write committed without one replica (down) is left to the placement check', async () => {
    cluster.network.setDown('n3');
    await clock.run(writer.create({ name: 'S', value: 'first', gatewayTime: clock.now() }));
    await settle();
    expect(placement.isFresh(await committed('S'))).toBe(false);
  });

  it('a vote that comes in after the verdict but before the outcome goes out counts', async () => {
    // n3's prepare is held until the coordinator asks for accepts, so the verdict (m = 2) is
    // made without its vote; the accepts take 5 ms, and the vote is in before they are done.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    cluster.network.addGate(async (call) => {
      if (call.route === COMMIT_ROUTES.accept) {
        release();
        await clock.sleep(5);
      }
      if (call.route === COMMIT_ROUTES.prepare && call.to === 'n3') await held;
    });
    await clock.run(writer.create({ name: 'S', value: 'first', gatewayTime: clock.now() }));
    await settle();
    expect(placement.isFresh(await committed('S'))).toBe(true);
  });
});
