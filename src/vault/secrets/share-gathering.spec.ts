import { createHash } from 'node:crypto';
import { seededIds } from '../../common/testing/seeded-ids';
import { combineShares } from '../../shamir';
import { FetchShareAnswer, LockInfo, NameView } from '../protocol';
import { shouldRepair } from './quorum';
import { ShareGathering } from './share-gathering';
import { PreparedSplit, splitForReplicas } from './split';

const PEERS = ['a', 'b', 'c', 'd', 'e'];
const LIFETIME = '22222222-2222-4222-8222-222222222222';
const VALUE = 'correct horse battery staple';
const view = (version: number, revision = version): NameView => ({
  lifetimeId: LIFETIME,
  revision,
  status: 'live',
  currentVersion: version,
  lastValidFrom: 1000 * version,
  deletedAt: null,
});
const LOCK: LockInfo = { txId: '44444444-4444-4444-8444-444444444444', coordinator: 'b', createdAt: 5, expiresInMs: 900 };

/** Replica `peer`'s answer: its share of `split` as version `version`, with `over` changed. */
function answer(split: PreparedSplit, peer: string, version = 1, over: Partial<FetchShareAnswer> = {}): FetchShareAnswer {
  const envelope = split.envelopeFor(peer);
  return {
    view: view(version),
    lock: null,
    share: { lifetimeId: LIFETIME, version, splitId: split.splitId, data: envelope.data, salt: envelope.salt, manifest: envelope.manifest, validFrom: 1000 * version, validTo: null },
    next: null,
    catchingUp: false,
    ...over,
  };
}
const noShare = (v = view(1), over: Partial<FetchShareAnswer> = {}): FetchShareAnswer => ({ view: v, lock: null, share: null, next: null, catchingUp: false, ...over });

function corrupt(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 0xff;
  return bytes.toString('base64');
}

async function valueOf(gathering: ShareGathering, k = 3): Promise<string> {
  const state = gathering.evaluate(false);
  if (state.kind !== 'ready') throw new Error(`not ready: ${state.kind}`);
  return new TextDecoder().decode(await combineShares(state.shares.slice(0, k).map((s) => s.bytes)));
}

describe('ShareGathering', () => {
  let split: PreparedSplit;
  let other: PreparedSplit;
  let v2: PreparedSplit;

  beforeAll(async () => {
    const ids = seededIds(21, 0x6a);
    split = await splitForReplicas(VALUE, PEERS, 3, ids.uuid());
    other = await splitForReplicas(VALUE, PEERS, 3, ids.uuid());
    v2 = await splitForReplicas('version two', PEERS, 3, ids.uuid());
  });

  it('is ready as soon as m unlocked answers hold k good shares of one split, without waiting for the rest', async () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    gathering.record('c', answer(split, 'c'));
    expect(gathering.evaluate(false)).toMatchObject({ kind: 'ready', version: 1, splitId: split.splitId, validFrom: 1000, validTo: null });
    expect(await valueOf(gathering)).toBe(VALUE);
  });

  it('skips and counts a corrupt share, and reads from the others', async () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    const bad = answer(split, 'a');
    bad.share!.data = corrupt(bad.share!.data);
    gathering.record('a', bad);
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(split, 'c'));
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    gathering.record('d', answer(split, 'd'));
    expect(await valueOf(gathering)).toBe(VALUE);
    gathering.record('e', null);
    expect(gathering.skipped()).toEqual({ corrupt: 1, foreign: 0 });
  });

  it('checks each share against its salted digest: a share with another salt does not count', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    const wrongSalt = answer(split, 'a');
    wrongSalt.share!.salt = split.envelopeFor('b').salt;
    const noSalt = answer(split, 'b');
    noSalt.share!.salt = null;
    gathering.record('a', wrongSalt);
    gathering.record('b', noSalt);
    gathering.record('c', answer(split, 'c'));
    gathering.record('d', answer(split, 'd'));
    gathering.record('e', null);
    expect(gathering.evaluate(true)).toMatchObject({ kind: 'insufficient', reason: 'shares', good: 2 });
    expect(gathering.skipped()).toEqual({ corrupt: 2, foreign: 0 });
  });

  it('accepts a share written before salts existed (no salt, an unsalted digest in the manifest)', async () => {
    const legacy = (peer: string): FetchShareAnswer => {
      const fresh = answer(split, peer);
      const manifest = Object.fromEntries(
        PEERS.map((p) => [p, { x: split.manifest[p].x, digest: createHash('sha256').update(Buffer.from(split.envelopeFor(p).data, 'base64')).digest('hex') }]),
      );
      return { ...fresh, share: { ...fresh.share!, salt: null, manifest } };
    };
    const gathering = new ShareGathering({ k: 3, m: 3 });
    for (const peer of ['a', 'b', 'c']) gathering.record(peer, legacy(peer));
    expect(await valueOf(gathering)).toBe(VALUE);
  });

  it('is not fooled by one replica whose manifest copy was changed to match its corrupt share', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    const bad = answer(split, 'a');
    bad.share!.data = corrupt(bad.share!.data);
    const salt = Buffer.from(bad.share!.salt!, 'base64');
    const forged = createHash('sha256').update(salt).update(Buffer.from(bad.share!.data, 'base64')).digest('hex');
    bad.share!.manifest = { ...split.manifest, a: { ...split.manifest.a, digest: forged } };
    for (const peer of ['b', 'c']) gathering.record(peer, answer(split, peer));
    gathering.record('a', bad);
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    expect(gathering.skipped()).toEqual({ corrupt: 1, foreign: 0 });
  });

  it('never combines shares of two splits of the same version', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(other, 'c'));
    gathering.record('d', answer(other, 'd'));
    gathering.record('e', null);
    expect(gathering.evaluate(true)).toMatchObject({ kind: 'insufficient', reason: 'shares', answered: 4, good: 2 });
    expect(gathering.skipped()).toEqual({ corrupt: 0, foreign: 2 });
  });

  it('describes what each replica answered for the log of a refused read, without any share bytes', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(other, 'c', 1, { lock: LOCK }));
    gathering.record('d', noShare());
    gathering.record('e', null);
    const described = gathering.describe();
    const splitPrefix = split.splitId.slice(0, 8);
    expect(described).toEqual({
      a: `revision 1, version 1 split ${splitPrefix} good`,
      b: `revision 1, version 1 split ${splitPrefix} good`,
      c: `revision 1 locked, version 1 split ${other.splitId.slice(0, 8)} not good`,
      d: 'revision 1, no share',
      e: 'failed',
    });
    const text = JSON.stringify(described);
    for (const held of [split.envelopeFor('a'), split.envelopeFor('b'), other.envelopeFor('c')]) expect(text).not.toContain(held.data);
  });

  it('says insufficient (never a wrong value) with fewer than k good shares once no more answers will come', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', noShare());
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    gathering.record('d', null);
    gathering.record('e', null);
    expect(gathering.settled).toBe(5);
    expect(gathering.evaluate(true)).toMatchObject({ kind: 'insufficient', reason: 'shares', good: 2 });
  });

  it('says behind, not insufficient, when replicas that answered with an older view leave too few good shares', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(v2, 'a', 2));
    gathering.record('b', answer(v2, 'b', 2));
    gathering.record('c', answer(split, 'c', 1));
    gathering.record('d', answer(split, 'd', 1));
    gathering.record('e', null);
    expect(gathering.evaluate(true)).toEqual({ kind: 'behind', view: view(2), peers: ['c', 'd'] });
  });

  it('needs m answers to know the latest state, even with k shares in hand', () => {
    const gathering = new ShareGathering({ k: 2, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    for (const peer of ['c', 'd', 'e']) gathering.record(peer, null);
    expect(gathering.evaluate(true)).toEqual({ kind: 'insufficient', reason: 'quorum', answered: 2, good: 0 });
  });

  it('does not count the answer of a replica that is catching up', () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    gathering.record('a', answer(split, 'a'));
    gathering.record('b', answer(split, 'b'));
    gathering.record('c', answer(split, 'c', 1, { catchingUp: true }));
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    expect(gathering.answeredPeers).toEqual(['a', 'b']);
    expect(gathering.settled).toBe(3);
  });

  describe('lock awareness: m answers must hold no lock on the name', () => {
    it('waits while fewer than m unlocked replicas answered, however many shares are in', () => {
      const gathering = new ShareGathering({ k: 3, m: 3 });
      gathering.record('a', answer(split, 'a'));
      gathering.record('b', answer(split, 'b', 1, { lock: LOCK }));
      gathering.record('c', answer(split, 'c'));
      expect(gathering.anyLocked).toBe(true);
      expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
      gathering.record('d', answer(split, 'd'));
      expect(gathering.evaluate(false)).toMatchObject({ kind: 'ready' });
    });

    it('reports the locks once no more answers will come and too few replicas are unlocked', () => {
      const gathering = new ShareGathering({ k: 3, m: 3 });
      gathering.record('a', answer(split, 'a'));
      gathering.record('b', answer(split, 'b', 1, { lock: LOCK }));
      gathering.record('c', answer(split, 'c', 1, { lock: { ...LOCK, expiresInMs: -5 } }));
      gathering.record('d', answer(split, 'd'));
      gathering.record('e', null);
      expect(gathering.evaluate(true)).toEqual({
        kind: 'locked',
        locks: [
          { peerId: 'b', ...LOCK },
          { peerId: 'c', ...LOCK, expiresInMs: -5 },
        ],
      });
    });

    it('counts a locked replica’s newer view in the highest revision, and still waits for m unlocked answers', () => {
      const gathering = new ShareGathering({ k: 3, m: 3 });
      for (const peer of ['a', 'b', 'c']) gathering.record(peer, answer(split, peer, 1));
      gathering.record('d', noShare(view(2), { lock: LOCK }));
      expect(gathering.view().revision).toBe(2);
      expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    });

    it('reports locks rather than too few shares when a version’s shares sit on locked replicas (a resplit being applied)', () => {
      const gathering = new ShareGathering({ k: 3, m: 3 });
      for (const peer of ['a', 'b', 'c']) gathering.record(peer, noShare());
      gathering.record('d', answer(split, 'd', 1, { lock: LOCK }));
      gathering.record('e', answer(split, 'e'));
      expect(gathering.evaluate(true)).toMatchObject({ kind: 'locked', locks: [{ peerId: 'd' }] });
    });
  });

  it('takes the latest version from the highest revision: a stale replica cannot make an old value the latest', async () => {
    const gathering = new ShareGathering({ k: 3, m: 3 });
    // a and b missed version 2 and still answer with version 1 as their latest.
    gathering.record('a', answer(split, 'a', 1));
    gathering.record('b', answer(split, 'b', 1));
    gathering.record('c', answer(v2, 'c', 2));
    expect(gathering.evaluate(false)).toEqual({ kind: 'waiting' });
    gathering.record('d', answer(v2, 'd', 2));
    gathering.record('e', answer(v2, 'e', 2));
    const state = gathering.evaluate(false);
    expect(state).toMatchObject({ kind: 'ready', version: 2 });
    expect(await valueOf(gathering)).toBe('version two');
    if (state.kind !== 'ready') return;
    expect(gathering.lackingPeers(state).sort()).toEqual(['a', 'b']);
    expect(gathering.stalePeers(state.view).sort()).toEqual(['a', 'b']);
  });

  it('says not found for a deleted name, and version-not-found beyond the current version', () => {
    const gone = new ShareGathering({ k: 2, m: 2 });
    const tombstone: NameView = { ...view(1, 3), status: 'deleted', deletedAt: 9 };
    gone.record('a', noShare(tombstone));
    gone.record('b', answer(split, 'b'));
    expect(gone.evaluate(false)).toEqual({ kind: 'not-found', view: tombstone });

    const beyond = new ShareGathering({ k: 2, m: 2, version: 4 });
    beyond.record('a', answer(split, 'a', 3));
    beyond.record('b', answer(split, 'b', 3));
    expect(beyond.evaluate(false)).toMatchObject({ kind: 'version-not-found', version: 4 });
  });

  it('gives a historical version its validTo: as stored with the share, else the next version’s validFrom', () => {
    const stored = new ShareGathering({ k: 3, m: 3, version: 1 });
    for (const peer of ['a', 'b', 'c']) {
      const a = answer(split, peer, 1, { view: view(3) });
      a.share!.validTo = 2000;
      stored.record(peer, a);
    }
    expect(stored.evaluate(false)).toMatchObject({ kind: 'ready', version: 1, validFrom: 1000, validTo: 2000 });

    const fromNext = new ShareGathering({ k: 3, m: 3, version: 1 });
    fromNext.record('a', answer(split, 'a', 1, { view: view(3), next: { version: 3, validFrom: 3000 } }));
    fromNext.record('b', answer(split, 'b', 1, { view: view(3), next: { version: 2, validFrom: 2000 } }));
    fromNext.record('c', answer(split, 'c', 1, { view: view(3), next: null }));
    expect(fromNext.evaluate(false)).toMatchObject({ kind: 'ready', version: 1, validTo: 2000 });
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
