import { combineShares, shutdownShamirWorkers } from '../../shamir';
import { FetchShareAnswer, NameView } from '../protocol';
import { shouldRepair } from './quorum';
import { ShareGathering } from './share-gathering';
import { PreparedSplit, splitForReplicas } from './split';

const PEERS = ['a', 'b', 'c', 'd', 'e'];
const LIFETIME = '22222222-2222-4222-8222-222222222222';
const view = (version: number, revision = version): NameView => ({
  lifetimeId: LIFETIME,
  revision,
  status: 'live',
  currentVersion: version,
  lastValidFrom: 1000 * version,
  deletedAt: null,
});

function answer(split: PreparedSplit, peer: string, version = 1, over: Partial<FetchShareAnswer> = {}): FetchShareAnswer {
  return {
    view: view(version),
    share: { lifetimeId: LIFETIME, version, splitId: split.splitId, data: split.shares.get(peer)!, manifest: split.manifest, validFrom: 1000 * version, validTo: null },
    next: null,
    ...over,
  };
}

function corrupt(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 0xff;
  return bytes.toString('base64');
}

async function valueOf(gathering: ShareGathering): Promise<string> {
  const state = gathering.evaluate();
  if (state.kind !== 'ready') throw new Error(`not ready: ${state.kind}`);
  return new TextDecoder().decode(await combineShares(state.shares.slice(0, 3).map((s) => s.bytes)));
}

describe('ShareGathering', () => {
  let split: PreparedSplit;
  let other: PreparedSplit;

  beforeAll(async () => {
    split = await splitForReplicas('correct horse battery staple', PEERS, 3);
    other = await splitForReplicas('correct horse battery staple', PEERS, 3);
  });
  afterAll(() => shutdownShamirWorkers());

  it('answers as soon as m answers hold k good shares, without waiting for the rest', async () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    expect(gathering.evaluate().kind).toBe('waiting');
    gathering.record('c', answer(split, 'c'));
    expect(await valueOf(gathering)).toBe('correct horse battery staple');
  });

  it('skips and counts a corrupt share, and reads from the others', async () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    const bad = answer(split, 'a');
    bad.share!.data = corrupt(bad.share!.data);
    gathering.record('a', bad);
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(split, 'c'));
    expect(gathering.evaluate().kind).toBe('waiting');
    gathering.record('d', answer(split, 'd'));
    expect(await valueOf(gathering)).toBe('correct horse battery staple');
    gathering.record('e', null);
    expect(gathering.skipped()).toEqual({ corrupt: 1, foreign: 0 });
  });

  it('is not fooled by a replica whose manifest copy was tampered with to match its corrupt share', async () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    const bad = answer(split, 'a');
    bad.share!.data = corrupt(bad.share!.data);
    const forged = { ...split.manifest, a: { ...split.manifest.a, digest: require('node:crypto').createHash('sha256').update(Buffer.from(bad.share!.data, 'base64')).digest('hex') } };
    bad.share!.manifest = forged;
    for (const peer of ['b', 'c']) gathering.record(peer, answer(split, peer));
    gathering.record('a', bad);
    const state = gathering.evaluate();
    expect(state.kind).toBe('waiting');
  });

  it('never combines shares of two splits of the same version', async () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(other, 'c'));
    gathering.record('d', answer(other, 'd'));
    gathering.record('e', null);
    const state = gathering.evaluate();
    expect(state).toMatchObject({ kind: 'insufficient', reason: 'shares', good: 2 });
    expect(gathering.skipped()).toEqual({ corrupt: 0, foreign: 2 });
  });

  it('says INSUFFICIENT (never a wrong value) with fewer than k good shares once everyone answered', () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', { view: view(1), share: null, next: null });
    expect(gathering.evaluate().kind).toBe('waiting');
    gathering.record('d', null);
    gathering.record('e', null);
    expect(gathering.evaluate()).toMatchObject({ kind: 'insufficient', reason: 'shares', good: 2 });
  });

  it('needs m answers to know the latest state, even with k shares in hand', () => {
    const gathering = new ShareGathering({ n: 5, k: 2, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    expect(gathering.evaluate().kind).toBe('waiting');
    gathering.record('c', null);
    gathering.record('d', null);
    gathering.record('e', null);
    expect(gathering.evaluate()).toMatchObject({ kind: 'insufficient', reason: 'quorum' });
  });

  it('takes the latest version from the highest revision: a stale replica cannot make an old value the latest', async () => {
    const v2 = await splitForReplicas('version two', PEERS, 3);
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3 });
    // a and b missed version 2 and still answer with version 1 as their latest.
    gathering.record('a', answer(split, 'a', 1));
    gathering.record('b', answer(split, 'b', 1));
    gathering.record('c', answer(v2, 'c', 2));
    expect(gathering.evaluate().kind).toBe('waiting');
    gathering.record('d', answer(v2, 'd', 2));
    gathering.record('e', answer(v2, 'e', 2));
    const state = gathering.evaluate();
    expect(state).toMatchObject({ kind: 'ready', version: 2 });
    expect(await valueOf(gathering)).toBe('version two');
    if (state.kind === 'ready') expect(gathering.lackingPeers(state).sort()).toEqual(['a', 'b']);
  });

  it('says not found for a deleted name and version-not-found beyond the current version', () => {
    const gone = new ShareGathering({ n: 3, k: 2, m: 2 });
    const tombstone: NameView = { ...view(1, 3), status: 'deleted', deletedAt: 9 };
    gone.record('a', { view: tombstone, share: null, next: null });
    gone.record('b', answer(split, 'b'));
    expect(gone.evaluate().kind).toBe('not-found');

    const beyond = new ShareGathering({ n: 3, k: 2, m: 2, version: 4 });
    beyond.record('a', answer(split, 'a', 3));
    beyond.record('b', answer(split, 'b', 3));
    expect(beyond.evaluate()).toMatchObject({ kind: 'version-not-found', version: 4 });
  });

  it('gives a historical version its validTo from the next version', async () => {
    const gathering = new ShareGathering({ n: 5, k: 3, m: 3, version: 1 });
    for (const peer of ['a', 'b', 'c']) {
      const a = answer(split, peer, 1);
      a.view = view(2);
      a.next = { version: 2, validFrom: 2000 };
      gathering.record(peer, a);
    }
    expect(gathering.evaluate()).toMatchObject({ kind: 'ready', version: 1, validFrom: 1000, validTo: 2000 });
  });
});

describe('shouldRepair: s consistent shares, threshold k, buffer b, n replicas', () => {
  const cases: Array<[number, number, number, number, boolean]> = [
    // s, k, b, n, repair?
    [2, 3, 0, 5, false], // below k: cannot even read
    [3, 3, 0, 5, true], // s = k
    [4, 3, 0, 5, false], // s = k + 1 > k + b
    [2, 3, 1, 5, false],
    [3, 3, 1, 5, true],
    [4, 3, 1, 5, true], // s = k + b
    [5, 3, 1, 5, false], // everyone has it
    [5, 3, 2, 5, false], // s = n, within the buffer but nothing to repair
    [3, 3, 1, 3, false], // s = n = k
  ];
  it.each(cases)('s=%i k=%i b=%i n=%i -> %s', (s, k, b, n, expected) => {
    expect(shouldRepair(s, k, b, n)).toBe(expected);
  });
});
