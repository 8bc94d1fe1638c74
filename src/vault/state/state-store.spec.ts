import { seededIds } from '../../common/testing/seeded-ids';
import { settle, VirtualClock } from '../../common/testing/virtual-clock';
import { Ids } from '../../common/ids';
import { ABSENT_VIEW } from '../protocol';
import { PreparedSplit } from '../secrets/split';
import { MemoryBackend } from './memory-backend';
import { FetchRow, Writes } from './model';
import { StateStore } from './replica-state';
import { decided, decision, item, LOCK_TTL_MS, payload, SELF, splitOf, tamperedShare, txHeader } from './testing/fixtures';

/** A MemoryBackend whose writes the test counts, and can hold back or fail. */
class ControlledBackend extends MemoryBackend {
  readonly writes: Writes[] = [];
  loads = 0;
  fetches: Array<Array<{ name: string; version?: number }>> = [];
  private held: Array<() => void> | null = null;
  private failNext: Error | null = null;

  override async load(keys: Parameters<MemoryBackend['load']>[0]) {
    this.loads++;
    return super.load(keys);
  }

  override async write(writes: Writes): Promise<void> {
    this.writes.push(writes);
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    return super.write(writes);
  }

  override async fetch(requests: Array<{ name: string; version?: number }>): Promise<FetchRow[]> {
    this.fetches.push(requests);
    return super.fetch(requests);
  }

  /** Writes wait from now on until `release()`. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const resolve of waiting) resolve();
  }

  failNextWrite(error: Error): void {
    this.failNext = error;
  }

  reset(): void {
    this.writes.length = 0;
    this.loads = 0;
    this.fetches = [];
  }
}

/** Tracks whether a promise has settled yet. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

describe('StateStore: the group commit over one writer', () => {
  let clock: VirtualClock;
  let ids: Ids;
  let backend: ControlledBackend;
  let store: StateStore;
  const splits: PreparedSplit[] = [];

  beforeAll(async () => {
    const splitIds = seededIds(3, 0x91);
    for (let i = 0; i < 4; i++) splits.push(await splitOf(splitIds, `value ${i}`));
  });

  beforeEach(async () => {
    clock = new VirtualClock(1_750_000_000_000);
    ids = seededIds();
    backend = new ControlledBackend();
    store = new StateStore(backend, SELF, clock, ids);
    await store.start();
    await store.markCaughtUp(false);
    await clock.advance(60_000);
    backend.reset();
  });

  const prepareOf = (name: string, s: PreparedSplit, envelope = s.envelopeFor(SELF)) =>
    store.prepare(txHeader(ids, clock, [name]), payload([{ name, op: 'create', share: envelope }]), LOCK_TTL_MS);

  it('applies commands that arrive together in one database write (and one load)', async () => {
    const votes = await Promise.all([
      prepareOf('A', splits[0]),
      prepareOf('B', splits[1]),
      prepareOf('C', splits[2]),
      store.promise(txHeader(ids, clock, ['D']), { round: 1, node: 'n3' }),
      store.sync([{ name: 'E', view: { ...ABSENT_VIEW, lifetimeId: ids.uuid(), revision: 2, status: 'live', currentVersion: 1, lastValidFrom: clock.now() } }]),
    ]);
    expect(votes.slice(0, 3).map((v) => (v as { yes: boolean }).yes)).toEqual([true, true, true]);
    expect(votes[3]).toMatchObject({ kind: 'promised' });
    expect(votes[4]).toBe(1);
    expect(backend.writes).toHaveLength(1);
    expect(backend.loads).toBe(1);
    const [write] = backend.writes;
    expect(write.names.map((n) => n.name).sort()).toEqual(['A', 'B', 'C', 'E']);
    expect(write.txs).toHaveLength(4);
    expect(write.shareWaves.flat().filter((op) => op.kind === 'insert')).toHaveLength(3);
  });

  it('a batch holding one prepare with a wrong share digest votes no for that one only, yes for the others', async () => {
    const [a, bad, c] = await Promise.all([
      prepareOf('A', splits[0]),
      prepareOf('B', splits[1], tamperedShare(splits[1].envelopeFor(SELF))),
      prepareOf('C', splits[2]),
    ]);
    expect(backend.writes).toHaveLength(1);
    expect([a.yes, bad.yes, c.yes]).toEqual([true, false, true]);
    expect(bad.reason).toBe('bad-share');
    expect((await store.fetch({ name: 'A' })).lock).not.toBeNull();
    expect((await store.fetch({ name: 'B' })).lock).toBeNull();
    expect((await store.fetch({ name: 'C' })).lock).not.toBeNull();
    expect(backend.shareRows().map((r) => r.name).sort()).toEqual(['A', 'C']);
  });

  it('a batch holding a prepare for a name locked earlier in the same batch votes no (locked) for it only', async () => {
    const first = txHeader(ids, clock, ['A']);
    const second = txHeader(ids, clock, ['A']);
    const [one, two, other] = await Promise.all([
      store.prepare(first, payload([item('A', 'create', splits[0])]), LOCK_TTL_MS),
      store.prepare(second, payload([item('A', 'create', splits[1])]), LOCK_TTL_MS),
      prepareOf('B', splits[2]),
    ]);
    expect(backend.writes).toHaveLength(1);
    expect(one.yes).toBe(true);
    expect(two).toMatchObject({ yes: false, reason: 'locked', info: { locked: ['A'] } });
    expect(other.yes).toBe(true);
    expect((await store.fetch({ name: 'A' })).lock?.txId).toBe(first.txId);
  });

  it('answers nothing before the write resolved, and reads meanwhile see the state before it', async () => {
    backend.hold();
    const vote = track(prepareOf('A', splits[0]));
    await settle();
    expect(backend.writes).toHaveLength(1);
    expect(vote.settled()).toBe(false);
    // Reads bypass the writer and see whole writes only.
    expect((await store.fetch({ name: 'A' })).lock).toBeNull();
    backend.release();
    await expect(vote.promise).resolves.toMatchObject({ yes: true });
    expect((await store.fetch({ name: 'A' })).lock).not.toBeNull();
  });

  it('queues the commands that arrive while a write runs and applies them together in the next write', async () => {
    backend.hold();
    const first = track(prepareOf('A', splits[0]));
    await settle();
    const later = [track<unknown>(prepareOf('B', splits[1])), track<unknown>(prepareOf('C', splits[2])), track<unknown>(store.decide(txHeader(ids, clock, ['D']), 'abort', null))];
    await settle();
    expect(backend.writes).toHaveLength(1);
    expect(store.queuedCommands).toBe(3);
    expect(later.some((t) => t.settled())).toBe(false);
    backend.release();
    await first.promise;
    await Promise.all(later.map((t) => t.promise));
    expect(backend.writes).toHaveLength(2);
    expect(backend.writes[1].txs.map((t) => t.names[0]).sort()).toEqual(['B', 'C', 'D']);
  });

  it('a failing write rejects the commands of its batch, changes nothing, and the next batch still commits', async () => {
    backend.failNextWrite(new Error('disk full'));
    const failed = await Promise.allSettled([prepareOf('A', splits[0]), prepareOf('B', splits[1])]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await store.fetch({ name: 'A' })).lock).toBeNull();
    expect(backend.shareRows()).toEqual([]);
    await expect(prepareOf('A', splits[2])).resolves.toMatchObject({ yes: true });
    expect((await store.fetch({ name: 'A' })).lock).not.toBeNull();
  });

  it('sends fetches made together to the backend as one read', async () => {
    await Promise.all(['A', 'B', 'C'].map((name) => store.fetch({ name })));
    expect(backend.fetches).toEqual([[{ name: 'A' }, { name: 'B' }, { name: 'C' }]]);
  });

  it('answers the first fetch after a commit from memory, with the share the commit made the newest version', async () => {
    const header = txHeader(ids, clock, ['A']);
    expect(await store.prepare(header, payload([item('A', 'create', splits[0])]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    const lifetimeId = ids.uuid();
    await store.decide(header, 'commit', decision([decided('A', 'create', { lifetimeId, revision: 1, version: 1, at: clock.now() })]));
    backend.reset();
    const latest = await store.fetch({ name: 'A' });
    expect(latest.share).toMatchObject({ lifetimeId, version: 1, splitId: splits[0].splitId, data: splits[0].envelopeFor(SELF).data });
    expect(await store.fetch({ name: 'A', version: 1 })).toEqual(latest);
    expect(backend.fetches).toEqual([]);
  });

  it('still reads storage for the first fetch after a commit whose prepare this process never saw (made before a restart)', async () => {
    // Prepared and committed across a restart: the new store never saw the prepare.
    const header = txHeader(ids, clock, ['A']);
    expect(await store.prepare(header, payload([item('A', 'create', splits[0])]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    const restarted = new StateStore(backend, SELF, clock, ids);
    await restarted.start();
    await restarted.decide(header, 'commit', decision([decided('A', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]));
    backend.reset();
    await restarted.fetch({ name: 'A' });
    expect(backend.fetches).toEqual([[{ name: 'A' }]]);
  });
});
