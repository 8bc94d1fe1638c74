import { VaultError } from '../../common/errors';
import { Verdict, VoteResult } from '../../coordination/commit/coordinator';
import { ABSENT_VIEW, CommitDecision, NameView, PrepareInfo } from '../protocol';
import { ItemProblem, secretTransactionPlan, SecretTransactionSpec, WriteIntent } from './secret-transaction';
import { PreparedSplit } from './split';
import { problemError } from './write-secret';

const LIFETIME = '11111111-1111-4111-8111-111111111111';
const NEW_LIFETIME = '22222222-2222-4222-8222-222222222222';
const GATEWAY = 10_000;
const PEERS = ['a', 'b', 'c', 'd', 'e'];

const live = (revision: number, version: number, lastValidFrom = 1_000): NameView => ({
  lifetimeId: LIFETIME,
  revision,
  status: 'live',
  currentVersion: version,
  lastValidFrom,
  deletedAt: null,
});
const deleted = (revision: number): NameView => ({ lifetimeId: LIFETIME, revision, status: 'deleted', currentVersion: 2, lastValidFrom: 5_000, deletedAt: 6_000 });

/** A yes vote with `view` of every name, holding no other transaction's lock. */
function yes(peerId: string, views: NameView | Record<string, NameView>): VoteResult<PrepareInfo> {
  return { peerId, answered: true, yes: true, info: { views: 'revision' in views ? { S: views as NameView } : (views as Record<string, NameView>), locked: [] } };
}
/** A no vote because another transaction holds `S` on that replica. */
function locked(peerId: string, view: NameView): VoteResult<PrepareInfo> {
  return { peerId, answered: true, yes: false, reason: 'locked', info: { views: { S: view }, locked: ['S'] } };
}
const silent = (peerId: string): VoteResult<PrepareInfo> => ({ peerId, answered: false, yes: false, reason: 'timeout' });

/** A split stand-in: each replica's envelope names the replica, so a test sees who gets what. */
const fakeSplit: PreparedSplit = {
  splitId: '33333333-3333-4333-8333-333333333333',
  manifest: {},
  envelopeFor: (replicaId) => ({ splitId: '33333333-3333-4333-8333-333333333333', data: Buffer.from(`share of ${replicaId}`).toString('base64'), salt: 'c2FsdA==', manifest: {} }),
  wipe: () => undefined,
};

function spec(intents: WriteIntent[], extra: Partial<SecretTransactionSpec<unknown>> = {}): SecretTransactionSpec<unknown> {
  return {
    intents,
    gatewayTime: GATEWAY,
    cluster: { n: 5, k: 3, m: 3 },
    newLifetimeId: () => NEW_LIFETIME,
    onProblems: (problems: ItemProblem[]) => problemError(problems[0]),
    response: (decided, yesVoters) => ({ decided, yesVoters }),
    finish: (response, applied) => ({ response, applied }),
    ...extra,
  };
}

type AnyVerdict = Verdict<CommitDecision & Record<string, unknown>, unknown>;
const decide = (s: SecretTransactionSpec<unknown>, votes: VoteResult<PrepareInfo>[], final = true): AnyVerdict | null => secretTransactionPlan(s).decide(votes, final);
const kindOf = (verdict: AnyVerdict | null) => (verdict === null ? 'wait' : verdict.kind === 'abort' && verdict.error instanceof VaultError ? verdict.error.code : verdict.kind);
function committed(verdict: AnyVerdict | null) {
  if (verdict?.kind !== 'commit') throw new Error(`expected commit, got ${kindOf(verdict)}`);
  return verdict;
}
const create: WriteIntent = { name: 'S', op: 'create', split: fakeSplit };
const update: WriteIntent = { name: 'S', op: 'update', split: fakeSplit };
const remove: WriteIntent = { name: 'S', op: 'delete' };

describe('secretTransactionPlan: the decision rules shared by create, update, delete, resplit and .env', () => {
  describe('what it sends and reads', () => {
    it('sends each replica its own share only, with the idempotency key but never the request hash', () => {
      const plan = secretTransactionPlan(spec([create, { name: 'R', op: 'check' }], { idempotency: { scope: 'POST /v1/env', key: 'k', requestHashes: ['f'.repeat(64)] } }));
      expect(plan.names).toEqual(['S', 'R']);
      expect(plan.prepareFor('b')).toEqual({
        items: [
          { name: 'S', op: 'create', share: fakeSplit.envelopeFor('b') },
          { name: 'R', op: 'check' },
        ],
        idempotency: { scope: 'POST /v1/env', key: 'k' },
      });
    });

    it('reads a well-formed vote info and refuses anything else (it then counts as no answer)', () => {
      const plan = secretTransactionPlan(spec([create]));
      const info: PrepareInfo = { views: { S: live(1, 1) }, locked: [] };
      expect(plan.readInfo(info)).toEqual(info);
      expect(plan.readInfo({ views: { S: { ...live(1, 1), revision: -1 } }, locked: [] })).toBeNull();
      expect(plan.readInfo({ views: {}, locked: [], extra: 1 })).toBeNull();
      expect(plan.readInfo({ views: {} })).toBeNull();
      expect(plan.readInfo('yes')).toBeNull();
    });
  });

  describe('creates and updates', () => {
    it('creates version 1 of an absent name in a new lifetime, validFrom = the gateway time', () => {
      const verdict = committed(decide(spec([create]), ['a', 'b', 'c'].map((p) => yes(p, ABSENT_VIEW))));
      expect(verdict.decision.items).toEqual([{ name: 'S', op: 'create', lifetimeId: NEW_LIFETIME, revision: 1, version: 1, at: GATEWAY }]);
      expect(verdict.requiredApplied).toBe(0);
      expect(verdict.onCommitted([])).toEqual({ response: { decided: verdict.decision.items, yesVoters: 3 }, applied: [] });
    });

    it('decides existence from the highest revision among the answers, not from a stale replica', () => {
      const votes = [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW), yes('c', live(1, 1))];
      expect(kindOf(decide(spec([create]), votes))).toBe('SECRET_ALREADY_EXISTS');
      expect(committed(decide(spec([update]), votes)).decision.items[0]).toMatchObject({ op: 'update', version: 2, revision: 2, lifetimeId: LIFETIME });
    });

    it('re-creates a deleted name in a new lifetime at version 1, after the deletion time', () => {
      const item = committed(decide(spec([create]), ['a', 'b', 'c'].map((p) => yes(p, deleted(4))))).decision.items[0];
      expect(item).toMatchObject({ version: 1, revision: 5, lifetimeId: NEW_LIFETIME });
      expect(item.at).toBe(GATEWAY);
      const late = committed(decide(spec([create], { gatewayTime: 5_500 }), ['a', 'b', 'c'].map((p) => yes(p, deleted(4))))).decision.items[0];
      expect(late.at).toBe(6_001);
    });

    it('forces validFrom strictly above the previous version when the gateway clock is behind', () => {
      const votes = ['a', 'b', 'c'].map((p) => yes(p, live(3, 3, 50_000)));
      expect(committed(decide(spec([update]), votes)).decision.items[0].at).toBe(50_001);
    });

    it('refuses an update of a missing or deleted name, and one whose expectedVersion is not current', () => {
      expect(kindOf(decide(spec([update]), ['a', 'b', 'c'].map((p) => yes(p, ABSENT_VIEW))))).toBe('SECRET_NOT_FOUND');
      expect(kindOf(decide(spec([update]), ['a', 'b', 'c'].map((p) => yes(p, deleted(2)))))).toBe('SECRET_NOT_FOUND');
      const votes = ['a', 'b', 'c'].map((p) => yes(p, live(2, 2)));
      const conflict = decide(spec([{ ...update, expectedVersion: 1 }]), votes);
      expect(kindOf(conflict)).toBe('VERSION_CONFLICT');
      expect(conflict?.kind === 'abort' && (conflict.error as VaultError).extra).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
      expect(committed(decide(spec([{ ...update, expectedVersion: 2 }]), votes)).decision.items[0].version).toBe(3);
    });
  });

  describe('voting', () => {
    it('waits while the votes are short and more may come, and commits as soon as m yes votes are in', () => {
      const s = spec([create]);
      expect(decide(s, [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW)], false)).toBeNull();
      expect(kindOf(decide(s, [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW), yes('c', ABSENT_VIEW)], false))).toBe('commit');
    });

    it('fails the voting phase with fewer than m yes votes once every replica answered or timed out', () => {
      const votes = [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW), silent('c'), silent('d'), silent('e')];
      const verdict = decide(spec([create]), votes);
      expect(kindOf(verdict)).toBe('VOTING_PHASE_FAILED');
      expect(verdict?.kind === 'abort' && (verdict.error as VaultError).extra).toMatchObject({ phase: 'voting', yesVotes: 2, required: 3 });
    });

    it('retries (WRITE_CONFLICT when it gives up) when other writes’ locks are what keeps the votes short', () => {
      const votes = [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW), locked('c', ABSENT_VIEW), silent('d'), silent('e')];
      const verdict = decide(spec([create]), votes);
      expect(verdict?.kind).toBe('retry');
      if (verdict?.kind !== 'retry') return;
      const error = verdict.onGiveUp() as VaultError;
      expect(error.code).toBe('WRITE_CONFLICT');
      expect(error.extra).toEqual({ names: ['S'] });
    });

    it('counts a vote whose info could not be read as no answer', () => {
      const unreadable: VoteResult<PrepareInfo> = { peerId: 'c', answered: false, yes: false, reason: 'invalid-info' };
      expect(kindOf(decide(spec([create]), [yes('a', ABSENT_VIEW), yes('b', ABSENT_VIEW), unreadable, silent('d'), silent('e')]))).toBe('VOTING_PHASE_FAILED');
    });
  });

  describe('refusals are decided only from m answers that hold no other write’s lock', () => {
    it('refutes at once from m unlocked answers, even while a lock keeps the yes votes short', () => {
      const votes = [yes('a', live(1, 1)), yes('b', live(1, 1)), locked('c', ABSENT_VIEW), yes('d', ABSENT_VIEW)];
      expect(kindOf(decide(spec([create]), votes, false))).toBe('SECRET_ALREADY_EXISTS');
    });

    it('does not refute from answers of replicas that hold another write’s lock: that write may be newer', () => {
      // Only a is unlocked; b and c hold a lock for a write that may have been chosen (a delete, say).
      const votes = [yes('a', live(1, 1)), locked('b', live(1, 1)), locked('c', live(1, 1))];
      expect(decide(spec([create]), votes, false)).toBeNull();
      // Everyone else silent: the view cannot be trusted, so it is neither 409 nor 503 but a retry.
      expect(kindOf(decide(spec([create]), [...votes, silent('d'), silent('e')]))).toBe('retry');
    });

    it('does not refute from fewer than m answers', () => {
      const votes = [yes('a', live(1, 1)), yes('b', live(1, 1)), silent('c'), silent('d'), silent('e')];
      expect(kindOf(decide(spec([create]), votes))).toBe('VOTING_PHASE_FAILED');
    });

    it('tells a replica that answered with an older view the current state when the request is refused', () => {
      const told: Array<{ peer: string; views: string[] }> = [];
      const votes = [yes('a', deleted(4)), yes('b', deleted(4)), yes('c', live(3, 2))];
      const verdict = decide(spec([update], { onStaleReplica: (peer, views) => told.push({ peer, views: views.map((v) => `${v.name}:${v.view.status}@${v.view.revision}`) }) }), votes);
      expect(kindOf(verdict)).toBe('SECRET_NOT_FOUND');
      expect(told).toEqual([{ peer: 'c', views: ['S:deleted@4'] }]);
    });
  });

  describe('deletes', () => {
    const shape = { n: 5, k: 2, m: 3 }; // n-k+1 = 4 destroyThreshold

    it('needs max(m, n-k+1) yes votes, and n-k+1 replicas confirming they applied it', () => {
      const three = ['a', 'b', 'c'].map((p) => yes(p, live(1, 1)));
      expect(decide(spec([remove], { cluster: shape }), three, false)).toBeNull();
      const short = decide(spec([remove], { cluster: shape }), [...three, silent('d'), silent('e')]);
      expect(kindOf(short)).toBe('DELETE_THRESHOLD_NOT_MET');
      expect(short?.kind === 'abort' && (short.error as VaultError).extra).toMatchObject({ phase: 'voting', destroyThreshold: 4 });
      const verdict = committed(decide(spec([remove], { cluster: shape }), [...three, yes('d', live(1, 1))], false));
      expect(verdict.requiredApplied).toBe(4);
      expect(verdict.decision.items[0]).toEqual({ name: 'S', op: 'delete', lifetimeId: LIFETIME, revision: 2, version: 1, at: GATEWAY });
    });

    it('reports a short confirmation or an unconfirmed commit as DELETE_THRESHOLD_NOT_MET in the writing phase', () => {
      const verdict = committed(decide(spec([remove], { cluster: shape }), ['a', 'b', 'c', 'd'].map((p) => yes(p, live(1, 1)))));
      expect((verdict.onApplyShort(['a', 'b', 'c']) as VaultError).extra).toMatchObject({ phase: 'writing', shardsDestroyed: 3, outcome: 'committed' });
      expect((verdict.onUnconfirmed('aborted') as VaultError).extra).toMatchObject({ phase: 'writing', outcome: 'aborted' });
      expect((verdict.onUnconfirmed('unknown') as VaultError).code).toBe('DELETE_THRESHOLD_NOT_MET');
    });

    it('refuses to delete a name that does not exist', () => {
      expect(kindOf(decide(spec([remove]), ['a', 'b', 'c'].map((p) => yes(p, deleted(3)))))).toBe('SECRET_NOT_FOUND');
    });
  });

  it('reports an unconfirmed write as WRITING_PHASE_FAILED with what is known of its outcome', () => {
    const verdict = committed(decide(spec([create]), ['a', 'b', 'c'].map((p) => yes(p, ABSENT_VIEW))));
    expect((verdict.onUnconfirmed('unknown') as VaultError).extra).toEqual({ phase: 'writing', outcome: 'unknown' });
    expect((verdict.onUnconfirmed('aborted') as VaultError).code).toBe('WRITING_PHASE_FAILED');
  });

  describe('resplit (read repair)', () => {
    const expected = { revision: 2, lifetimeId: LIFETIME, version: 2, validFrom: 4_000 };
    const resplit: WriteIntent = { name: 'S', op: 'resplit', split: fakeSplit, expected };

    it('commits the same version, revision and validFrom when the name is still in the state that was read', () => {
      const verdict = committed(decide(spec([resplit]), ['a', 'b', 'c'].map((p) => yes(p, live(2, 2, 4_000)))));
      expect(verdict.decision.items).toEqual([{ name: 'S', op: 'resplit', lifetimeId: LIFETIME, revision: 2, version: 2, at: 4_000 }]);
    });

    it.each([
      ['an update won', live(3, 3, 5_000)],
      ['a delete won', deleted(3)],
      ['another lifetime', { ...live(2, 2, 4_000), lifetimeId: NEW_LIFETIME }],
    ])('refuses as moved when %s', (_, view) => {
      let seen: ItemProblem[] = [];
      const verdict = decide(spec([resplit], { onProblems: (p) => ((seen = p), new Error('moved')) }), ['a', 'b', 'c'].map((p) => yes(p, view)));
      expect(verdict?.kind).toBe('abort');
      expect(seen).toEqual([{ name: 'S', kind: 'moved' }]);
    });
  });

  describe('idempotency', () => {
    const idempotency = { scope: 'POST /v1/secrets', key: 'k1', requestHashes: ['a'.repeat(64)] };
    const recorded = { requestHash: 'a'.repeat(64), response: { name: 'S', version: 1, validFrom: 5 } };
    const done = (peerId: string): VoteResult<PrepareInfo> => ({
      peerId,
      answered: true,
      yes: false,
      reason: 'already-done',
      info: { views: { S: live(1, 1) }, locked: [], idempotency: recorded },
    });

    it('replays a recorded outcome for the same key and body, from one answer', () => {
      expect(decide(spec([create], { idempotency }), [done('a')], false)).toEqual({ kind: 'replay', result: { response: recorded.response, applied: null } });
    });

    it('refuses the same key with another body', () => {
      expect(kindOf(decide(spec([create], { idempotency: { ...idempotency, requestHashes: ['b'.repeat(64)] } }), [done('a')], false))).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('replays a record hashed with the other accepted peer secret (a retry across a change of the peer secret)', () => {
      const underNewSecret = { ...idempotency, requestHashes: ['b'.repeat(64), 'a'.repeat(64)] };
      expect(decide(spec([create], { idempotency: underNewSecret }), [done('a')], false)).toEqual({ kind: 'replay', result: { response: recorded.response, applied: null } });
    });

    it('records the outcome in the commit decision, without any value', () => {
      const verdict = committed(decide(spec([create], { idempotency, response: (d) => ({ version: d[0].version }) }), ['a', 'b', 'c'].map((p) => yes(p, ABSENT_VIEW))));
      expect(verdict.decision.idempotency).toEqual({ scope: idempotency.scope, key: idempotency.key, requestHash: 'a'.repeat(64), response: { version: 1 } });
    });

    it('re-checks the referenced names of a retried .env transaction before replaying it', () => {
      const envSpec = (views: NameView) => spec([{ name: 'R', op: 'check' }], { idempotency, onProblems: (p) => new Error(p.map((x) => `${x.name}:${x.kind}`).join()) });
      const votesWith = (view: NameView) =>
        ['a', 'b', 'c'].map((peerId): VoteResult<PrepareInfo> => ({ peerId, answered: true, yes: false, reason: 'already-done', info: { views: { R: view }, locked: [], idempotency: recorded } }));
      expect(decide(envSpec(live(1, 1)), votesWith(live(1, 1)).slice(0, 1), false)).toBeNull();
      expect(decide(envSpec(live(1, 1)), votesWith(live(1, 1)))).toMatchObject({ kind: 'replay' });
      const gone = decide(envSpec(deleted(2)), votesWith(deleted(2)));
      expect(gone?.kind === 'abort' && gone.error.message).toBe('R:not-found');
    });
  });

  it('aborts a multi-name transaction with every problem once, including the ones the caller knew of', () => {
    const views = { A: live(1, 1), B: ABSENT_VIEW, R: deleted(3), Q: ABSENT_VIEW };
    let seen: ItemProblem[] = [];
    const verdict = decide(
      spec(
        [
          { name: 'A', op: 'create', split: fakeSplit },
          { name: 'B', op: 'create', split: fakeSplit },
          { name: 'R', op: 'check' },
          { name: 'Q', op: 'check' },
        ],
        { knownProblems: [{ name: 'Q', kind: 'not-found' }], onProblems: (p) => ((seen = p), new Error('x')) },
      ),
      ['a', 'b', 'c'].map((p) => yes(p, views)),
    );
    expect(verdict?.kind).toBe('abort');
    expect(seen).toEqual([
      { name: 'Q', kind: 'not-found' },
      { name: 'A', kind: 'exists' },
      { name: 'R', kind: 'not-found' },
    ]);
  });

  it('commits every name of a multi-name transaction in one decision, a check keeping its revision', () => {
    const views = { A: ABSENT_VIEW, R: live(4, 2) };
    const verdict = committed(
      decide(
        spec([
          { name: 'A', op: 'create', split: fakeSplit },
          { name: 'R', op: 'check' },
        ]),
        ['a', 'b', 'c'].map((p) => yes(p, views)),
      ),
    );
    expect(verdict.decision.items).toEqual([
      { name: 'A', op: 'create', lifetimeId: NEW_LIFETIME, revision: 1, version: 1, at: GATEWAY },
      { name: 'R', op: 'check', revision: 4, version: 2, at: GATEWAY },
    ]);
  });

  it('asks for a new lifetime id only for what it creates', () => {
    let asked = 0;
    committed(decide(spec([update], { newLifetimeId: () => (asked++, NEW_LIFETIME) }), PEERS.slice(0, 3).map((p) => yes(p, live(1, 1)))));
    expect(asked).toBe(0);
  });
});
