import { Clock } from '../../../common/clock';
import { Ids } from '../../../common/ids';
import { seededIds } from '../../../common/testing/seeded-ids';
import { VirtualClock } from '../../../common/testing/virtual-clock';
import { Ballot } from '../../../coordination/commit/ballot';
import { TxHeader } from '../../../coordination/commit/participant';
import { ABSENT_VIEW, NameView, PrepareItem } from '../../protocol';
import { PreparedSplit } from '../../secrets/split';
import { STATE_LOSS_MARGIN_MS, TX_RETENTION_MS } from '../replica-machine';
import { ReplicaState } from '../replica-state';
import { decided, decision, item, LOCK_TTL_MS, payload, splitOf, tamperedShare, txHeader } from './fixtures';

/** One share row as stored, whatever the backend (share bytes and salt in base64). */
export interface ShareRowView {
  name: string;
  lifetimeId: string | null;
  version: number | null;
  splitId: string;
  state: 'prepared' | 'committed' | 'destroyed';
  share: string | null;
  salt: string | null;
  validFrom: number | null;
  validTo: number | null;
  txId: string;
}

export interface ReplicaStateSubject {
  /** A started state over empty storage. */
  state: ReplicaState;
  /** Every share row this replica stores. */
  shareRows(): Promise<ShareRowView[]>;
  /** A new, started ReplicaState over the same storage: what a restart sees. */
  reopen(): Promise<ReplicaState>;
}

/** Builds a subject over fresh, empty storage, reading time from `clock`. */
export type ReplicaStateFactory = (clock: Clock, ids: Ids) => Promise<ReplicaStateSubject>;

const T0 = 1_750_000_000_000;
const HOUR = 60 * 60 * 1000;
const b = (round: number, node = 'n3'): Ballot => ({ round, node });
const live = (lifetimeId: string, revision: number, currentVersion: number, lastValidFrom: number): NameView => ({
  lifetimeId,
  revision,
  status: 'live',
  currentVersion,
  lastValidFrom,
  deletedAt: null,
});

/**
 * The behaviour every ReplicaState must have (docs/storage.md), whatever stores it. Run
 * against StateStore over MemoryBackend (unit) and over PostgresBackend (e2e); where the
 * two differ, one of them is wrong.
 */
export function replicaStateContract(factory: ReplicaStateFactory): void {
  let clock: VirtualClock;
  let ids: Ids;
  let subject: ReplicaStateSubject;
  let state: ReplicaState;
  /** Splits made once (splitting is the slow part); each test uses them with its own ids. */
  const splits: PreparedSplit[] = [];
  const split = (i: number) => splits[i];

  beforeAll(async () => {
    const splitIds = seededIds(7, 0x5911);
    for (let i = 0; i < 6; i++) splits.push(await splitOf(splitIds, `value ${i}`));
  });

  beforeEach(() => {
    clock = new VirtualClock(T0);
    ids = seededIds(1, 0x7e57);
  });

  /** A fresh state, not caught up yet (as a replica's first start leaves it). */
  async function fresh(): Promise<ReplicaState> {
    subject = await factory(clock, ids);
    state = subject.state;
    return state;
  }

  /** A fresh state that caught up, with time past the state-loss margin of its creation. */
  async function ready(): Promise<ReplicaState> {
    await fresh();
    await state.markCaughtUp(false);
    await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
    return state;
  }

  async function rowsOf(name: string): Promise<ShareRowView[]> {
    const rows = (await subject.shareRows()).filter((r) => r.name === name);
    return rows.sort((x, y) => (x.version ?? 0) - (y.version ?? 0) || x.state.localeCompare(y.state) || x.splitId.localeCompare(y.splitId));
  }

  async function prepared(items: PrepareItem[], names = items.map((i) => i.name), idem?: { scope: string; key: string }): Promise<TxHeader> {
    const header = txHeader(ids, clock, names);
    const vote = await state.prepare(header, payload(items, idem), LOCK_TTL_MS);
    expect(vote).toMatchObject({ yes: true });
    return header;
  }

  /** Prepares and commits a create of `name` with split `s`; returns what it decided. */
  async function create(name: string, s: PreparedSplit, revision = 1, lifetimeId = ids.uuid()) {
    const header = await prepared([item(name, 'create', s)]);
    const at = clock.now();
    const d = decision([decided(name, 'create', { lifetimeId, revision, version: 1, at })]);
    await state.decide(header, 'commit', d);
    await clock.advance(10);
    return { header, lifetimeId, at, decision: d };
  }

  async function update(name: string, s: PreparedSplit, lifetimeId: string, revision: number, version: number) {
    const header = await prepared([item(name, 'update', s)]);
    const at = clock.now();
    await state.decide(header, 'commit', decision([decided(name, 'update', { lifetimeId, revision, version, at })]));
    await clock.advance(10);
    return { header, at };
  }

  describe('prepare', () => {
    it('votes yes on a free name, takes its lock with the lease, and stores its share as prepared', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      const vote = await state.prepare(header, payload([item('S', 'create', split(0))]), LOCK_TTL_MS);
      expect(vote).toEqual({ yes: true, info: { views: { S: ABSENT_VIEW }, locked: [] } });
      expect(await state.fetch({ name: 'S' })).toEqual({
        view: ABSENT_VIEW,
        lock: { txId: header.txId, coordinator: 'n2', createdAt: header.createdAt, expiresInMs: LOCK_TTL_MS },
        share: null,
        next: null,
        catchingUp: false,
      });
      const envelope = split(0).envelopeFor('n1');
      expect(await rowsOf('S')).toEqual([
        {
          name: 'S',
          lifetimeId: null,
          version: null,
          splitId: envelope.splitId,
          state: 'prepared',
          share: envelope.data,
          salt: envelope.salt,
          validFrom: null,
          validTo: null,
          txId: header.txId,
        },
      ]);
    });

    it('votes no, locked, while another transaction holds a name, and takes no lock and stores nothing', async () => {
      await ready();
      const first = await prepared([item('S', 'create', split(0))]);
      const second = txHeader(ids, clock, ['T', 'S']);
      const vote = await state.prepare(second, payload([item('T', 'create', split(1)), item('S', 'update', split(2))]), LOCK_TTL_MS);
      expect(vote).toEqual({ yes: false, reason: 'locked', info: { views: { T: ABSENT_VIEW, S: ABSENT_VIEW }, locked: ['S'] } });
      expect((await state.fetch({ name: 'T' })).lock).toBeNull();
      expect((await state.fetch({ name: 'S' })).lock?.txId).toBe(first.txId);
      expect(await subject.shareRows()).toHaveLength(1);
    });

    it('answers a repeated prepare with the same yes vote, without storing the share twice', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      const message = payload([item('S', 'create', split(0))]);
      expect(await state.prepare(header, message, LOCK_TTL_MS)).toMatchObject({ yes: true });
      expect(await state.prepare(header, message, LOCK_TTL_MS)).toEqual({ yes: true, info: { views: { S: ABSENT_VIEW }, locked: [] } });
      expect(await rowsOf('S')).toHaveLength(1);
    });

    it('votes no, aborted, on a prepare that arrives after its transaction was decided, and locks nothing', async () => {
      await ready();
      const header = await prepared([item('S', 'create', split(0))]);
      await state.decide(header, 'abort', null);
      expect(await state.prepare(header, payload([item('S', 'create', split(0))]), LOCK_TTL_MS)).toMatchObject({ yes: false, reason: 'aborted' });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect(await rowsOf('S')).toEqual([]);
    });

    it('votes no, aborted, on a late prepare of a transaction whose outcome arrived first (decided for an unknown transaction)', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      await state.decide(header, 'abort', null);
      const vote = await state.prepare(header, payload([item('S', 'create', split(0))]), LOCK_TTL_MS);
      expect(vote).toMatchObject({ yes: false, reason: 'aborted' });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect(await rowsOf('S')).toEqual([]);
    });

    it('votes no, already-done, with the recorded outcome when the idempotency key has a record, and only in its scope', async () => {
      await ready();
      const record = { scope: 'POST /v1/secrets', key: 'k1', requestHash: 'a'.repeat(64), response: { name: 'S', version: 1 } };
      const header = await prepared([item('S', 'create', split(0))], ['S'], { scope: record.scope, key: record.key });
      await state.decide(header, 'commit', decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })], record));
      const retry = txHeader(ids, clock, ['S']);
      const vote = await state.prepare(retry, payload([item('S', 'create', split(1))], { scope: record.scope, key: record.key }), LOCK_TTL_MS);
      expect(vote).toMatchObject({ yes: false, reason: 'already-done', info: { idempotency: { requestHash: record.requestHash, response: record.response } } });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      const otherScope = txHeader(ids, clock, ['T']);
      const unrelated = await state.prepare(otherScope, payload([item('T', 'create', split(1))], { scope: 'POST /v1/env', key: record.key }), LOCK_TTL_MS);
      expect(unrelated.yes).toBe(true);
      expect(unrelated.info.idempotency).toBeUndefined();
    });

    it('holds a retry of a write still in flight on the name lock, and once that write is applied answers with its record: one key, one version', async () => {
      await ready();
      const scope = 'PUT /v1/secrets/S';
      const record = { scope, key: 'k-race', requestHash: 'd'.repeat(64), response: { name: 'S', version: 1 } };
      const first = await prepared([item('S', 'create', split(0))], ['S'], { scope, key: 'k-race' });
      // The retry arrives while the first attempt holds the name: the key check and the lock
      // are one step of the single writer, so it cannot slip past the first attempt.
      const whileInFlight = await state.prepare(txHeader(ids, clock, ['S']), payload([item('S', 'create', split(1))], { scope, key: 'k-race' }), LOCK_TTL_MS);
      expect(whileInFlight).toMatchObject({ yes: false, reason: 'locked' });
      await state.decide(first, 'commit', decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })], record));
      const after = await state.prepare(txHeader(ids, clock, ['S']), payload([item('S', 'create', split(1))], { scope, key: 'k-race' }), LOCK_TTL_MS);
      expect(after).toMatchObject({ yes: false, reason: 'already-done', info: { idempotency: { requestHash: record.requestHash } } });
      expect((await rowsOf('S')).filter((r) => r.state === 'committed')).toHaveLength(1);
    });

    it.each([
      ['share bytes that do not match their digest', (s: PreparedSplit) => tamperedShare(s.envelopeFor('n1'))],
      ['a salt that is not the one digested', (s: PreparedSplit) => ({ ...s.envelopeFor('n1'), salt: s.envelopeFor('n2').salt })],
      ["another replica's share", (s: PreparedSplit) => ({ ...s.envelopeFor('n2') })],
      ['a manifest without this replica', (s: PreparedSplit) => ({ ...s.envelopeFor('n1'), manifest: { n2: s.manifest.n2, n3: s.manifest.n3 } })],
      ['a manifest with another x for this replica', (s: PreparedSplit) => ({ ...s.envelopeFor('n1'), manifest: { ...s.manifest, n1: { ...s.manifest.n1, x: (s.manifest.n1.x % 255) + 1 } } })],
    ])('votes no, bad-share, on %s, and takes no lock', async (_, envelope) => {
      await ready();
      const header = txHeader(ids, clock, ['S', 'T']);
      const items: PrepareItem[] = [item('T', 'create', split(1)), { name: 'S', op: 'create', share: envelope(split(0)) }];
      expect(await state.prepare(header, payload(items), LOCK_TTL_MS)).toMatchObject({ yes: false, reason: 'bad-share' });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect((await state.fetch({ name: 'T' })).lock).toBeNull();
      expect(await subject.shareRows()).toEqual([]);
    });

    it('locks the names of check and delete items without storing a share for them', async () => {
      await ready();
      const header = await prepared([item('S', 'delete'), item('T', 'check')]);
      expect((await state.fetch({ name: 'S' })).lock?.txId).toBe(header.txId);
      expect((await state.fetch({ name: 'T' })).lock?.txId).toBe(header.txId);
      expect(await subject.shareRows()).toEqual([]);
    });

    it('votes no, catching-up, before the replica caught up, with its views, and locks nothing', async () => {
      await fresh();
      const vote = await state.prepare(txHeader(ids, clock, ['S']), payload([item('S', 'create', split(0))]), LOCK_TTL_MS);
      expect(vote).toEqual({ yes: false, reason: 'catching-up', info: { views: { S: ABSENT_VIEW }, locked: [] } });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
    });
  });

  describe('promise and accept (the acceptor)', () => {
    it('promises a ballot for a transaction it has not seen, with nothing accepted', async () => {
      await ready();
      expect(await state.promise(txHeader(ids, clock, ['S']), b(1))).toEqual({ kind: 'promised', accepted: null, decision: null });
    });

    it('nacks a ballot below the one it promised, naming that ballot; the promised ballot itself is answered again', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      expect(await state.promise(header, b(2))).toMatchObject({ kind: 'promised' });
      expect(await state.promise(header, b(1, 'n9'))).toEqual({ kind: 'nack', promised: b(2) });
      expect(await state.promise(header, b(2, 'n1'))).toEqual({ kind: 'nack', promised: b(2) });
      expect(await state.promise(header, b(2))).toMatchObject({ kind: 'promised' });
      expect(await state.accept(header, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'nack', promised: b(2), reason: 'promised-higher' });
    });

    it('accepts at or above its promise and reports the accepted value, with its decision, to a later promise', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      const d = decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]);
      expect(await state.promise(header, b(1))).toMatchObject({ kind: 'promised' });
      expect(await state.accept(header, b(1), 'commit', d, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      expect(await state.promise(header, b(2))).toEqual({ kind: 'promised', accepted: { ballot: b(1), value: 'commit' }, decision: d });
      const other = txHeader(ids, clock, ['T']);
      expect(await state.accept(other, b(3), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      expect(await state.promise(other, b(4))).toEqual({ kind: 'promised', accepted: { ballot: b(3), value: 'abort' }, decision: null });
    });

    it('accepting commit takes the locks of the decision for a transaction it never prepared, with a lease from now', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      const d = decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]);
      expect(await state.accept(header, b(1), 'commit', d, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      expect((await state.fetch({ name: 'S' })).lock).toEqual({ txId: header.txId, coordinator: 'n2', createdAt: header.createdAt, expiresInMs: LOCK_TTL_MS });
    });

    it('accepting commit of a transaction it prepared keeps its lock and renews the lease', async () => {
      await ready();
      const header = await prepared([item('S', 'create', split(0))]);
      await clock.advance(2_000);
      const d = decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]);
      expect(await state.accept(header, { round: 0, node: 'n2' }, 'commit', d, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      expect((await state.fetch({ name: 'S' })).lock).toMatchObject({ txId: header.txId, expiresInMs: LOCK_TTL_MS });
    });

    it('nacks (locked) an accept of commit while another transaction holds one of its names, and records nothing', async () => {
      await ready();
      const holder = await prepared([item('S', 'create', split(0))]);
      const header = txHeader(ids, clock, ['S']);
      const d = decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]);
      expect(await state.accept(header, b(1), 'commit', d, LOCK_TTL_MS)).toEqual({ kind: 'nack', promised: null, reason: 'locked' });
      expect((await state.fetch({ name: 'S' })).lock?.txId).toBe(holder.txId);
      expect(await state.promise(header, b(2))).toEqual({ kind: 'promised', accepted: null, decision: null });
    });

    it('accepting abort takes no lock', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      expect(await state.accept(header, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'accepted' });
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
    });

    it('answers decided, with the outcome and decision, once it applied the outcome', async () => {
      await ready();
      const { header, decision: d } = await create('S', split(0));
      expect(await state.promise(header, b(5))).toEqual({ kind: 'decided', outcome: 'commit', decision: d });
      expect(await state.accept(header, b(5), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'decided', outcome: 'commit', decision: d });
      const aborted = await prepared([item('T', 'create', split(1))]);
      await state.decide(aborted, 'abort', null);
      expect(await state.promise(aborted, b(1))).toEqual({ kind: 'decided', outcome: 'abort', decision: null });
    });

    it('refuses, state-lost, a transaction it does not know that began before this state was created (within the clock margin)', async () => {
      await fresh();
      await state.markCaughtUp(false);
      const createdAt = state.meta().createdAt;
      expect(createdAt).toBe(T0);
      await clock.advance(2 * STATE_LOSS_MARGIN_MS);
      for (const began of [createdAt - 60_000, createdAt - 1, createdAt + STATE_LOSS_MARGIN_MS - 1]) {
        const header = txHeader(ids, clock, ['S'], { createdAt: began });
        expect(await state.promise(header, b(1))).toEqual({ kind: 'refused', reason: 'state-lost' });
        expect(await state.accept(header, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'refused', reason: 'state-lost' });
      }
      const after = txHeader(ids, clock, ['S'], { createdAt: createdAt + STATE_LOSS_MARGIN_MS });
      expect(await state.promise(after, b(1))).toMatchObject({ kind: 'promised' });
    });

    it('refuses, state-lost, a transaction it only holds a lock of, adopted while catching up: that record says nothing of what the lost state promised or accepted', async () => {
      await fresh();
      const lock = { txId: ids.uuid(), coordinator: 'n3', createdAt: T0 - 1_000 };
      await state.adopt([{ name: 'S', view: ABSENT_VIEW, lock }], LOCK_TTL_MS);
      await state.markCaughtUp(false);
      const adopted = txHeader(ids, clock, ['S'], lock);
      expect(await state.promise(adopted, b(1))).toEqual({ kind: 'refused', reason: 'state-lost' });
      expect(await state.accept(adopted, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'refused', reason: 'state-lost' });
      // The outcome the others chose still applies here, and is what it answers from then on.
      await state.decide(adopted, 'abort', null);
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect(await state.promise(adopted, b(2))).toEqual({ kind: 'decided', outcome: 'abort', decision: null });
    });

    it('answers for a transaction it voted on since its state was created, however early it began', async () => {
      await fresh();
      await state.markCaughtUp(false);
      const header = txHeader(ids, clock, ['S'], { createdAt: T0 - 1_000 });
      expect(await state.prepare(header, payload([item('S', 'create', split(0))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
      expect(await state.promise(header, b(1))).toEqual({ kind: 'promised', accepted: null, decision: null });
    });

    it('refuses, too-old, a transaction it does not know that began more than the retention ago', async () => {
      await ready();
      const began = clock.now();
      await clock.advance(TX_RETENTION_MS + HOUR);
      const header = txHeader(ids, clock, ['S'], { createdAt: began });
      expect(await state.promise(header, b(1))).toEqual({ kind: 'refused', reason: 'too-old' });
      expect(await state.accept(header, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'refused', reason: 'too-old' });
    });

    it('refuses promise and accept while catching up', async () => {
      await fresh();
      await clock.advance(2 * STATE_LOSS_MARGIN_MS);
      const header = txHeader(ids, clock, ['S']);
      expect(await state.promise(header, b(1))).toEqual({ kind: 'refused', reason: 'catching-up' });
      expect(await state.accept(header, b(1), 'abort', null, LOCK_TTL_MS)).toEqual({ kind: 'refused', reason: 'catching-up' });
    });
  });

  describe('decide', () => {
    it('commits a create: the prepared share becomes version 1 of a new lifetime, the view goes live, the lock is released', async () => {
      await ready();
      const { header, lifetimeId, at } = await create('S', split(0));
      const envelope = split(0).envelopeFor('n1');
      expect(await state.fetch({ name: 'S' })).toEqual({
        view: live(lifetimeId, 1, 1, at),
        lock: null,
        share: { lifetimeId, version: 1, splitId: envelope.splitId, data: envelope.data, salt: envelope.salt, manifest: envelope.manifest, validFrom: at, validTo: null },
        next: null,
        catchingUp: false,
      });
      expect(await rowsOf('S')).toEqual([
        { name: 'S', lifetimeId, version: 1, splitId: envelope.splitId, state: 'committed', share: envelope.data, salt: envelope.salt, validFrom: at, validTo: null, txId: header.txId },
      ]);
    });

    it('commits an update: version 2 is the latest, version 1 is closed at its validFrom and stays readable', async () => {
      await ready();
      const { lifetimeId, at: at1 } = await create('S', split(0));
      const { at: at2 } = await update('S', split(1), lifetimeId, 2, 2);
      const latest = await state.fetch({ name: 'S' });
      expect(latest.view).toEqual(live(lifetimeId, 2, 2, at2));
      expect(latest.share).toMatchObject({ version: 2, splitId: split(1).splitId, validFrom: at2, validTo: null });
      expect(latest.next).toBeNull();
      const first = await state.fetch({ name: 'S', version: 1 });
      expect(first.share).toMatchObject({ version: 1, splitId: split(0).splitId, validFrom: at1, validTo: at2 });
      expect(first.next).toEqual({ version: 2, validFrom: at2 });
      expect((await state.history('S')).versions).toEqual([
        { version: 1, validFrom: at1 },
        { version: 2, validFrom: at2 },
      ]);
    });

    it('after a commit, share fetches answer exactly what a restarted replica reads from storage', async () => {
      await ready();
      const { lifetimeId } = await create('S', split(0));
      await update('S', split(1), lifetimeId, 2, 2);
      const asks = [{ name: 'S' }, { name: 'S', version: 2 }, { name: 'S', version: 1 }];
      const answered = [];
      for (const ask of asks) answered.push(await state.fetch(ask));
      const restarted = await subject.reopen();
      const stored = [];
      for (const ask of asks) stored.push(await restarted.fetch(ask));
      expect(answered).toEqual(stored);
      expect(answered[0].share).toMatchObject({ version: 2, splitId: split(1).splitId });
    });

    it('commits a delete: every share of the name is destroyed and the view becomes a tombstone', async () => {
      await ready();
      const { lifetimeId } = await create('S', split(0));
      const { at: at2 } = await update('S', split(1), lifetimeId, 2, 2);
      const header = await prepared([item('S', 'delete')]);
      const deletedAt = clock.now();
      await state.decide(header, 'commit', decision([decided('S', 'delete', { lifetimeId, revision: 3, version: 2, at: deletedAt })]));
      expect(deletedAt).toBeGreaterThan(at2);
      expect(await state.fetch({ name: 'S' })).toEqual({
        view: { lifetimeId, revision: 3, status: 'deleted', currentVersion: 2, lastValidFrom: deletedAt, deletedAt },
        lock: null,
        share: null,
        next: null,
        catchingUp: false,
      });
      expect((await state.fetch({ name: 'S', version: 1 })).share).toBeNull();
      expect((await state.history('S')).versions).toEqual([]);
      const rows = await rowsOf('S');
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toMatchObject({ state: 'destroyed', share: null, salt: null });
    });

    it('commits a re-create in a new lifetime: version 1 again, and the old lifetime never shows', async () => {
      await ready();
      const { lifetimeId: old } = await create('S', split(0));
      const del = await prepared([item('S', 'delete')]);
      await state.decide(del, 'commit', decision([decided('S', 'delete', { lifetimeId: old, revision: 2, version: 1, at: clock.now() })]));
      await clock.advance(10);
      const { lifetimeId, at } = await create('S', split(1), 3);
      expect(lifetimeId).not.toBe(old);
      expect((await state.fetch({ name: 'S' })).share).toMatchObject({ lifetimeId, version: 1, splitId: split(1).splitId });
      expect(await state.history('S')).toMatchObject({ view: live(lifetimeId, 3, 1, at), versions: [{ version: 1, validFrom: at }] });
      const rows = await rowsOf('S');
      expect(rows.filter((r) => r.lifetimeId === old).map((r) => r.state)).toEqual(['destroyed']);
    });

    it('commits a resplit: the version keeps its number, revision and validFrom, and its shares are the new split only', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      const view = (await state.fetch({ name: 'S' })).view;
      const header = await prepared([item('S', 'resplit', split(1))]);
      await state.decide(header, 'commit', decision([decided('S', 'resplit', { lifetimeId, revision: 1, version: 1, at })]));
      const after = await state.fetch({ name: 'S' });
      expect(after.view).toEqual(view);
      expect(after.lock).toBeNull();
      expect(after.share).toMatchObject({ lifetimeId, version: 1, splitId: split(1).splitId, data: split(1).envelopeFor('n1').data, validFrom: at, validTo: null });
      const rows = await rowsOf('S');
      expect(rows.map((r) => [r.splitId, r.state])).toEqual([
        [split(1).splitId, 'committed'],
        [split(0).splitId, 'destroyed'],
      ]);
    });

    it('applying a resplit it did not vote on drops its share of the old split', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      await state.decide(txHeader(ids, clock, ['S']), 'commit', decision([decided('S', 'resplit', { lifetimeId, revision: 1, version: 1, at })]));
      expect((await state.fetch({ name: 'S' })).share).toBeNull();
      expect((await rowsOf('S')).map((r) => r.state)).toEqual(['destroyed']);
    });

    it('ignores a resplit of a state it has moved past, dropping only the prepared share', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      const header = await prepared([item('S', 'resplit', split(1))]);
      await state.sync([{ name: 'S', view: live(lifetimeId, 2, 2, at + 100) }]);
      await state.decide(header, 'commit', decision([decided('S', 'resplit', { lifetimeId, revision: 1, version: 1, at })]));
      expect((await state.fetch({ name: 'S', version: 1 })).share).toMatchObject({ splitId: split(0).splitId });
      expect((await rowsOf('S')).map((r) => [r.splitId, r.state])).toEqual([[split(0).splitId, 'committed']]);
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
    });

    it('a stale replica jumps revisions: it commits the new version and keeps what it has of the lifetime as history', async () => {
      await ready();
      const { lifetimeId, at: at1 } = await create('S', split(0));
      // Version 2 (revision 2) was committed without this replica; version 3 reaches it.
      await clock.advance(100);
      const { at: at3 } = await update('S', split(2), lifetimeId, 3, 3);
      const now = await state.fetch({ name: 'S' });
      expect(now.view).toEqual(live(lifetimeId, 3, 3, at3));
      expect(now.share).toMatchObject({ version: 3, validFrom: at3, validTo: null });
      const v1 = await state.fetch({ name: 'S', version: 1 });
      expect(v1.share).toMatchObject({ version: 1, validFrom: at1 });
      // Version 1 ended when version 2 began, which this replica never saw: not when version 3 did.
      expect(v1.share?.validTo).not.toBe(at3);
      expect((await state.history('S')).versions.map((v) => v.version)).toEqual([1, 3]);
    });

    it('keeps the share of an older committed version as history when the view moved past it meanwhile', async () => {
      await ready();
      const { lifetimeId, at: at1 } = await create('S', split(0));
      const header = await prepared([item('S', 'update', split(1))]);
      const at2 = clock.now();
      // The replica learns of version 3 (revision 3) before the outcome of version 2 reaches it.
      await state.sync([{ name: 'S', view: live(lifetimeId, 3, 3, at2 + 50) }]);
      await state.decide(header, 'commit', decision([decided('S', 'update', { lifetimeId, revision: 2, version: 2, at: at2 })]));
      expect((await state.fetch({ name: 'S' })).view).toEqual(live(lifetimeId, 3, 3, at2 + 50));
      expect((await state.fetch({ name: 'S', version: 2 })).share).toMatchObject({ lifetimeId, version: 2, splitId: split(1).splitId, validFrom: at2 });
      expect((await state.history('S')).versions).toEqual([
        { version: 1, validFrom: at1 },
        { version: 2, validFrom: at2 },
      ]);
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
    });

    it('does not keep the share of an older commit whose lifetime was deleted meanwhile', async () => {
      await ready();
      const { lifetimeId } = await create('S', split(0));
      const header = await prepared([item('S', 'update', split(1))]);
      const at2 = clock.now();
      await state.sync([{ name: 'S', view: { lifetimeId, revision: 3, status: 'deleted', currentVersion: 2, lastValidFrom: at2 + 50, deletedAt: at2 + 50 } }]);
      await state.decide(header, 'commit', decision([decided('S', 'update', { lifetimeId, revision: 2, version: 2, at: at2 })]));
      expect((await state.fetch({ name: 'S' })).view.status).toBe('deleted');
      expect((await rowsOf('S')).map((r) => [r.version, r.state, r.share])).toEqual([[1, 'destroyed', null]]);
    });

    it("a commit of a new lifetime destroys the shares of the name's other lifetimes (a delete this replica missed)", async () => {
      await ready();
      const { lifetimeId: old } = await create('S', split(0));
      // Revision 2 deleted the name without this replica; revision 3 re-creates it.
      const { lifetimeId, at } = await create('S', split(1), 3);
      expect((await state.fetch({ name: 'S' })).view).toEqual(live(lifetimeId, 3, 1, at));
      const rows = await rowsOf('S');
      expect(rows.filter((r) => r.lifetimeId === old).map((r) => [r.state, r.share])).toEqual([['destroyed', null]]);
      expect(rows.filter((r) => r.lifetimeId === lifetimeId).map((r) => r.state)).toEqual(['committed']);
    });

    it('writes the idempotency record with the commit, and keeps the first record of a key', async () => {
      await ready();
      const scope = 'PUT /v1/secrets/S';
      const first = { scope, key: 'k', requestHash: 'b'.repeat(64), response: { name: 'S', version: 1 } };
      const h1 = await prepared([item('S', 'create', split(0))], ['S'], { scope, key: 'k' });
      await state.decide(h1, 'commit', decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })], first));
      const h2 = txHeader(ids, clock, ['T']);
      await state.decide(h2, 'commit', decision([decided('T', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })], { ...first, requestHash: 'c'.repeat(64), response: { other: true } }));
      const vote = await state.prepare(txHeader(ids, clock, ['S']), payload([item('S', 'update', split(1))], { scope, key: 'k' }), LOCK_TTL_MS);
      expect(vote.info.idempotency).toEqual({ requestHash: first.requestHash, response: first.response });
    });

    it('aborts: the lock is released, the prepared share dropped, and a later commit of the same transaction is ignored', async () => {
      await ready();
      const header = await prepared([item('S', 'create', split(0))]);
      await state.decide(header, 'abort', null);
      expect(await state.fetch({ name: 'S' })).toMatchObject({ view: ABSENT_VIEW, lock: null, share: null });
      expect(await subject.shareRows()).toEqual([]);
      await state.decide(header, 'commit', decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]));
      expect((await state.fetch({ name: 'S' })).view).toEqual(ABSENT_VIEW);
      expect(await state.promise(header, b(1))).toEqual({ kind: 'decided', outcome: 'abort', decision: null });
    });

    it('releases every lock of an aborted transaction, even when the outcome message names only one of its names', async () => {
      // A reader that meets one name's expired lock settles the transaction with a header
      // naming that name alone (SecretReader.settleInBackground); an abort carries no decision.
      await ready();
      const header = await prepared([item('A', 'create', split(0)), item('B', 'create', split(1))]);
      await state.decide({ ...header, names: ['A'] }, 'abort', null);
      expect((await state.fetch({ name: 'A' })).lock).toBeNull();
      expect((await state.fetch({ name: 'B' })).lock).toBeNull();
      expect(await subject.shareRows()).toEqual([]);
      const next = txHeader(ids, clock, ['B']);
      expect(await state.prepare(next, payload([item('B', 'create', split(2))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    });

    it('applies a commit it never voted on (no share here) and leaves another transaction’s lock alone', async () => {
      await ready();
      const holder = await prepared([item('S', 'update', split(1))]);
      const lifetimeId = ids.uuid();
      const at = clock.now();
      await state.decide(txHeader(ids, clock, ['S']), 'commit', decision([decided('S', 'create', { lifetimeId, revision: 1, version: 1, at })]));
      const after = await state.fetch({ name: 'S' });
      expect(after.view).toEqual(live(lifetimeId, 1, 1, at));
      expect(after.share).toBeNull();
      expect(after.lock?.txId).toBe(holder.txId);
    });

    it('releases the locks an accepted commit took, and is idempotent', async () => {
      await ready();
      const header = txHeader(ids, clock, ['S']);
      const d = decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]);
      await state.accept(header, b(1), 'commit', d, LOCK_TTL_MS);
      await state.decide(header, 'commit', d);
      await state.decide(header, 'commit', d);
      expect(await state.fetch({ name: 'S' })).toMatchObject({ lock: null, view: { revision: 1, status: 'live' } });
      expect(await state.inDoubt(10)).toEqual([]);
    });
  });

  describe('abandon', () => {
    it('drops an unfinished transaction: locks and prepared shares go, and no outcome is claimed for it', async () => {
      await ready();
      const header = await prepared([item('S', 'create', split(0))]);
      await state.abandon(header);
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect(await subject.shareRows()).toEqual([]);
      expect(await state.promise(header, b(1))).toEqual({ kind: 'promised', accepted: null, decision: null });
      await clock.advance(LOCK_TTL_MS + 1);
      expect(await state.inDoubt(10)).toEqual([]);
    });

    it('leaves a decided transaction as it was', async () => {
      await ready();
      const { header, decision: d } = await create('S', split(0));
      await state.abandon(header);
      expect(await state.promise(header, b(1))).toEqual({ kind: 'decided', outcome: 'commit', decision: d });
      expect((await state.fetch({ name: 'S' })).share).not.toBeNull();
    });
  });

  describe('sync', () => {
    it('adopts only views with a higher revision, and counts them', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      const newer = live(lifetimeId, 4, 3, at + 300);
      expect(await state.sync([{ name: 'S', view: live(lifetimeId, 1, 1, at + 1) }, { name: 'S', view: newer }, { name: 'U', view: live(ids.uuid(), 2, 1, at) }])).toBe(2);
      expect((await state.fetch({ name: 'S' })).view).toEqual(newer);
      expect(await state.sync([{ name: 'S', view: newer }])).toBe(0);
      expect((await state.fetch({ name: 'S', version: 1 })).share).not.toBeNull();
    });

    it('adopting a tombstone destroys every share of the name; adopting another lifetime destroys the others', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      await create('T', split(1));
      await state.sync([{ name: 'S', view: { lifetimeId, revision: 2, status: 'deleted', currentVersion: 1, lastValidFrom: at + 5, deletedAt: at + 5 } }]);
      expect((await rowsOf('S')).map((r) => r.state)).toEqual(['destroyed']);
      await state.sync([{ name: 'T', view: live(ids.uuid(), 3, 1, at + 5) }]);
      expect((await rowsOf('T')).map((r) => [r.state, r.share])).toEqual([['destroyed', null]]);
      expect((await state.fetch({ name: 'T' })).share).toBeNull();
    });

    it('leaves the lock of an unfinished transaction in place', async () => {
      await ready();
      const header = await prepared([item('S', 'create', split(0))]);
      await state.sync([{ name: 'S', view: live(ids.uuid(), 5, 1, clock.now()) }]);
      expect((await state.fetch({ name: 'S' })).lock?.txId).toBe(header.txId);
    });
  });

  describe('adopt (rebuilding lost state)', () => {
    it('adopts newer views and holds the locks of unfinished transactions, with a lease from now', async () => {
      await ready();
      const lifetimeId = ids.uuid();
      const txId = ids.uuid();
      const lock = { txId, coordinator: 'n3', createdAt: clock.now() - 500 };
      const adopted = await state.adopt(
        [
          { name: 'S', view: live(lifetimeId, 2, 2, clock.now()), lock },
          { name: 'T', view: ABSENT_VIEW, lock },
        ],
        LOCK_TTL_MS,
      );
      expect(adopted).toBe(1);
      expect(await state.fetch({ name: 'S' })).toMatchObject({ view: live(lifetimeId, 2, 2, clock.now()), lock: { ...lock, expiresInMs: LOCK_TTL_MS } });
      expect((await state.fetch({ name: 'T' })).lock).toEqual({ ...lock, expiresInMs: LOCK_TTL_MS });
      await clock.advance(LOCK_TTL_MS + 1);
      const doubt = await state.inDoubt(10);
      expect(doubt).toHaveLength(1);
      expect(doubt[0]).toMatchObject({ txId, coordinator: 'n3', createdAt: lock.createdAt });
      expect([...doubt[0].names].sort()).toEqual(['S', 'T']);
    });

    it('does not take the lock of a transaction decided here, nor one held by another transaction', async () => {
      await ready();
      const { header: done } = await create('S', split(0));
      const holder = await prepared([item('T', 'create', split(1))]);
      await state.adopt(
        [
          { name: 'S', view: ABSENT_VIEW, lock: { txId: done.txId, coordinator: 'n2', createdAt: done.createdAt } },
          { name: 'T', view: ABSENT_VIEW, lock: { txId: ids.uuid(), coordinator: 'n3', createdAt: clock.now() } },
        ],
        LOCK_TTL_MS,
      );
      expect((await state.fetch({ name: 'S' })).lock).toBeNull();
      expect((await state.fetch({ name: 'T' })).lock?.txId).toBe(holder.txId);
    });
  });

  describe('markCaughtUp and the replica meta record', () => {
    it('starts a fresh state not caught up; caught up once marked, and a restart keeps the same meta', async () => {
      await fresh();
      const meta = state.meta();
      expect(meta).toEqual({ incarnationId: expect.stringMatching(/^[0-9a-f-]{36}$/), createdAt: T0, caughtUp: false });
      expect((await state.fetch({ name: 'S' })).catchingUp).toBe(true);
      expect((await state.history('S')).catchingUp).toBe(true);
      expect((await state.changes(0, 10)).catchingUp).toBe(true);
      expect((await state.snapshot('', 10)).catchingUp).toBe(true);
      await state.markCaughtUp(false);
      expect(state.meta().caughtUp).toBe(true);
      expect((await state.fetch({ name: 'S' })).catchingUp).toBe(false);
      await clock.advance(1_000);
      const restarted = await subject.reopen();
      expect(restarted.meta()).toEqual({ ...meta, caughtUp: true });
      expect((await restarted.fetch({ name: 'S' })).catchingUp).toBe(false);
    });
  });

  describe('fetch', () => {
    it('answers an unknown name with the absent view and nothing else', async () => {
      await ready();
      expect(await state.fetch({ name: 'nobody' })).toEqual({ view: ABSENT_VIEW, lock: null, share: null, next: null, catchingUp: false });
    });

    it("tells a lock's remaining lease, counting down with the clock and below zero once it ran out", async () => {
      await ready();
      await prepared([item('S', 'create', split(0))]);
      await clock.advance(1_200);
      expect((await state.fetch({ name: 'S' })).lock?.expiresInMs).toBe(LOCK_TTL_MS - 1_200);
      await clock.advance(LOCK_TTL_MS);
      expect((await state.fetch({ name: 'S' })).lock?.expiresInMs).toBe(-1_200);
    });

    it('gives the latest share or the asked version, the next version held, and nothing beyond the current version', async () => {
      await ready();
      const { lifetimeId, at: at1 } = await create('S', split(0));
      const { at: at2 } = await update('S', split(1), lifetimeId, 2, 2);
      const { at: at3 } = await update('S', split(2), lifetimeId, 3, 3);
      expect(await state.fetch({ name: 'S', version: 2 })).toMatchObject({
        share: { version: 2, splitId: split(1).splitId, validFrom: at2, validTo: at3 },
        next: { version: 3, validFrom: at3 },
      });
      expect((await state.fetch({ name: 'S', version: 1 })).next).toEqual({ version: 2, validFrom: at2 });
      expect((await state.fetch({ name: 'S', version: 1 })).share?.validFrom).toBe(at1);
      expect(await state.fetch({ name: 'S', version: 4 })).toMatchObject({ share: null, next: null, view: { currentVersion: 3 } });
    });

    it('answers many fetches at once, each with its own name and version', async () => {
      await ready();
      const { lifetimeId } = await create('A', split(0));
      await update('A', split(1), lifetimeId, 2, 2);
      await create('B', split(2));
      const asks = [
        { name: 'A', version: 1 },
        { name: 'B' },
        { name: 'missing' },
        { name: 'A' },
        { name: 'A', version: 2 },
        { name: 'B', version: 1 },
      ];
      const answers = await Promise.all(asks.map((ask) => state.fetch(ask)));
      expect(answers.map((a) => a.share?.splitId ?? null)).toEqual([split(0).splitId, split(2).splitId, null, split(1).splitId, split(1).splitId, split(2).splitId]);
    });
  });

  describe('history', () => {
    it('lists the versions of the current lifetime oldest first, with the lock', async () => {
      await ready();
      const { lifetimeId, at: at1 } = await create('S', split(0));
      const { at: at2 } = await update('S', split(1), lifetimeId, 2, 2);
      const header = await prepared([item('S', 'delete')]);
      expect(await state.history('S')).toEqual({
        view: live(lifetimeId, 2, 2, at2),
        lock: { txId: header.txId, coordinator: 'n2', createdAt: header.createdAt, expiresInMs: LOCK_TTL_MS },
        versions: [
          { version: 1, validFrom: at1 },
          { version: 2, validFrom: at2 },
        ],
        catchingUp: false,
      });
    });

    it('answers an unknown name with the absent view and no versions', async () => {
      await ready();
      expect(await state.history('nobody')).toEqual({ view: ABSENT_VIEW, lock: null, versions: [], catchingUp: false });
    });
  });

  describe('changes', () => {
    it('lists committed changes in cursor order, a name changed again after the others, and pages from a cursor', async () => {
      await ready();
      const { lifetimeId: a } = await create('A', split(0));
      await create('B', split(1));
      await prepared([item('L', 'create', split(2))]); // a lock alone on an absent name is no change
      await update('A', split(3), a, 2, 2);
      const all = await state.changes(0, 100);
      expect(all.catchingUp).toBe(false);
      expect(all.changes.map((c) => [c.name, c.view.revision])).toEqual([
        ['B', 1],
        ['A', 2],
      ]);
      const seqs = all.changes.map((c) => c.seq);
      expect(seqs[0]).toBeLessThan(seqs[1]);
      const page = await state.changes(0, 1);
      expect(page.changes.map((c) => c.name)).toEqual(['B']);
      expect((await state.changes(page.changes[0].seq, 10)).changes.map((c) => c.name)).toEqual(['A']);
      expect((await state.changes(seqs[1], 10)).changes).toEqual([]);
    });

    it('numbers changes after a restart above every earlier one', async () => {
      await ready();
      await create('A', split(0));
      const before = (await state.changes(0, 10)).changes[0].seq;
      state = await subject.reopen();
      await create('B', split(1));
      const after = (await state.changes(before, 10)).changes;
      expect(after.map((c) => c.name)).toEqual(['B']);
      expect(after[0].seq).toBeGreaterThan(before);
    });
  });

  describe('snapshot', () => {
    it('pages through live, deleted and locked names in byte order of their names, with locks and a done flag', async () => {
      await ready();
      const names = ['b', 'Z.x', '_u', 'a', 'A0', 'Q9'];
      for (const [i, name] of names.entries()) await create(name, split(i % 6));
      const del = await prepared([item('a', 'delete')]);
      await state.decide(del, 'commit', decision([decided('a', 'delete', { lifetimeId: ids.uuid(), revision: 2, version: 1, at: clock.now() })]));
      const locker = await prepared([item('m', 'create', split(0))]);
      const sorted = [...names, 'm'].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const first = await state.snapshot('', 4);
      expect(first.names.map((n) => n.name)).toEqual(sorted.slice(0, 4));
      expect(first.done).toBe(false);
      const second = await state.snapshot(first.names[3].name, 4);
      expect(second.names.map((n) => n.name)).toEqual(sorted.slice(4));
      expect(second.done).toBe(true);
      const all = [...first.names, ...second.names];
      expect(all.find((n) => n.name === 'a')?.view.status).toBe('deleted');
      expect(all.find((n) => n.name === 'm')).toEqual({ name: 'm', view: ABSENT_VIEW, lock: { txId: locker.txId, coordinator: 'n2', createdAt: locker.createdAt } });
      expect(all.find((n) => n.name === 'b')?.lock).toBeNull();
    });
  });

  describe('newerThanLocal', () => {
    it('keeps only the entries whose revision is above this replica’s own (an unknown name has revision 0)', async () => {
      await ready();
      const { lifetimeId, at } = await create('S', split(0));
      const entries = [
        { name: 'S', view: live(lifetimeId, 1, 1, at) },
        { name: 'S', view: live(lifetimeId, 2, 2, at + 1) },
        { name: 'new', view: live(ids.uuid(), 1, 1, at) },
        { name: 'gone', view: ABSENT_VIEW },
      ];
      expect(await state.newerThanLocal(entries)).toEqual([entries[1], entries[2]]);
      expect(await state.newerThanLocal([])).toEqual([]);
    });
  });

  describe('inDoubt', () => {
    it('lists unfinished transactions whose lease ran out, oldest lease first, up to the limit', async () => {
      await ready();
      const first = await prepared([item('A', 'create', split(0))]);
      await clock.advance(100);
      const second = txHeader(ids, clock, ['B']);
      await state.accept(second, b(1), 'commit', decision([decided('B', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]), LOCK_TTL_MS);
      await state.promise(txHeader(ids, clock, ['C']), b(1)); // a promise alone holds nothing
      const done = await prepared([item('D', 'create', split(1))]);
      await state.decide(done, 'abort', null);
      expect(await state.inDoubt(10)).toEqual([]);
      await clock.advance(LOCK_TTL_MS - 50);
      expect(await state.inDoubt(10)).toEqual([first]);
      await clock.advance(200);
      expect(await state.inDoubt(10)).toEqual([first, second]);
      expect(await state.inDoubt(1)).toEqual([first]);
    });
  });

  describe('purge', () => {
    it('forgets decided transactions and lone promises older than the horizon, keeps unfinished ones, and drops old idempotency records', async () => {
      await ready();
      const idem = { scope: 'POST /v1/secrets', key: 'old', requestHash: 'd'.repeat(64), response: { version: 1 } };
      const old = await prepared([item('A', 'create', split(0))], ['A'], { scope: idem.scope, key: idem.key });
      const oldDecision = decision([decided('A', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })], idem);
      await state.decide(old, 'commit', oldDecision);
      const lonePromise = txHeader(ids, clock, ['P']);
      await state.promise(lonePromise, b(1));
      const unfinished = await prepared([item('U', 'create', split(1))]);
      await clock.advance(TX_RETENTION_MS + HOUR);
      const recent = await prepared([item('R', 'create', split(2))]);
      await state.decide(recent, 'abort', null);

      expect(await state.promise(old, b(9))).toMatchObject({ kind: 'decided', outcome: 'commit' });
      await state.purge(clock.now() - TX_RETENTION_MS, clock.now() - TX_RETENTION_MS);

      // Forgotten: a transaction this old is no longer answered for at all.
      expect(await state.promise(old, b(9))).toEqual({ kind: 'refused', reason: 'too-old' });
      expect(await state.promise(lonePromise, b(9))).toEqual({ kind: 'refused', reason: 'too-old' });
      expect(await state.promise(recent, b(9))).toEqual({ kind: 'decided', outcome: 'abort', decision: null });
      expect(await state.inDoubt(10)).toEqual([unfinished]);
      expect((await state.fetch({ name: 'U' })).lock?.txId).toBe(unfinished.txId);
      const retry = await state.prepare(txHeader(ids, clock, ['A']), payload([item('A', 'update', split(3))], { scope: idem.scope, key: idem.key }), LOCK_TTL_MS);
      expect(retry.info.idempotency).toBeUndefined();
      // The committed state itself is not touched.
      expect((await state.fetch({ name: 'A' })).view.status).toBe('live');
    });
  });

  describe('close', () => {
    it('resolves', async () => {
      await ready();
      await expect(state.close()).resolves.toBeUndefined();
    });
  });
}
