import { VaultError } from '../../common/errors';
import { Verdict, VoteResult } from '../../coordination/two-phase/coordinator';
import { ABSENT_VIEW, CommitDecision, NameView, PrepareInfo } from '../protocol';
import { ItemProblem, secretTransactionPlan, SecretTransactionSpec, WriteIntent } from './secret-transaction';
import { problemError } from './write-secret';

const LIFETIME = '11111111-1111-4111-8111-111111111111';
const live = (revision: number, version: number, lastValidFrom = 1_000): NameView => ({
  lifetimeId: LIFETIME,
  revision,
  status: 'live',
  currentVersion: version,
  lastValidFrom,
  deletedAt: null,
});
const deleted = (revision: number): NameView => ({ lifetimeId: LIFETIME, revision, status: 'deleted', currentVersion: 2, lastValidFrom: 5_000, deletedAt: 6_000 });

function vote(peerId: string, view: NameView, extra: Partial<VoteResult<PrepareInfo>> = {}, name = 'S'): VoteResult<PrepareInfo> {
  return { peerId, answered: true, yes: true, info: { views: { [name]: view }, locked: [] }, ...extra };
}
const silent = (peerId: string): VoteResult<PrepareInfo> => ({ peerId, answered: false, yes: false, reason: 'unreachable' });

function spec(intents: WriteIntent[], extra: Partial<SecretTransactionSpec<unknown>> = {}): SecretTransactionSpec<unknown> {
  return {
    intents,
    gatewayTime: 10_000,
    cluster: { n: 5, k: 3, m: 3 },
    onProblems: (problems: ItemProblem[]) => problemError(problems[0]),
    response: (decided) => ({ decided }),
    finish: (response, acks) => ({ response, acks }),
    ...extra,
  };
}

type AnyVerdict = Verdict<CommitDecision & Record<string, unknown>, unknown>;
const decide = (s: SecretTransactionSpec<unknown>, votes: VoteResult<PrepareInfo>[]): AnyVerdict => secretTransactionPlan(s).decide(votes);
const errorCode = (verdict: AnyVerdict) => (verdict.kind === 'abort' && verdict.error instanceof VaultError ? verdict.error.code : verdict.kind);
const committed = (verdict: AnyVerdict) => {
  if (verdict.kind !== 'commit') throw new Error(`expected commit, got ${verdict.kind}`);
  return verdict.decision.items[0];
};

describe('secretTransactionPlan: the decision rules shared by create, update, delete and .env', () => {
  const create: WriteIntent = { name: 'S', op: 'create' };
  const update: WriteIntent = { name: 'S', op: 'update' };

  it('creates version 1 of an absent name with validFrom = the gateway time', () => {
    const item = committed(decide(spec([create]), ['a', 'b', 'c'].map((p) => vote(p, ABSENT_VIEW))));
    expect(item).toMatchObject({ op: 'create', version: 1, revision: 1, at: 10_000 });
  });

  it('decides existence from the highest revision, not from a stale replica', () => {
    // Two replicas missed the create; the third has it: the name exists.
    const votes = [vote('a', ABSENT_VIEW), vote('b', ABSENT_VIEW), vote('c', live(1, 1))];
    expect(errorCode(decide(spec([create]), votes))).toBe('SECRET_ALREADY_EXISTS');
    const item = committed(decide(spec([update]), votes));
    expect(item).toMatchObject({ version: 2, revision: 2, lifetimeId: LIFETIME });
  });

  it('re-creates a deleted name in a new lifetime at version 1', () => {
    const item = committed(decide(spec([create]), ['a', 'b', 'c'].map((p) => vote(p, deleted(4)))));
    expect(item.version).toBe(1);
    expect(item.revision).toBe(5);
    expect(item.lifetimeId).not.toBe(LIFETIME);
    expect(item.at).toBeGreaterThan(6_000);
  });

  it('forces validFrom strictly above the previous version when the gateway clock is behind', () => {
    const votes = ['a', 'b', 'c'].map((p) => vote(p, live(3, 3, 50_000)));
    expect(committed(decide(spec([update]), votes)).at).toBe(50_001);
  });

  it('rejects an update of a missing or deleted name, and a stale expectedVersion', () => {
    expect(errorCode(decide(spec([update]), ['a', 'b', 'c'].map((p) => vote(p, ABSENT_VIEW))))).toBe('SECRET_NOT_FOUND');
    expect(errorCode(decide(spec([update]), ['a', 'b', 'c'].map((p) => vote(p, deleted(2)))))).toBe('SECRET_NOT_FOUND');
    const votes = ['a', 'b', 'c'].map((p) => vote(p, live(2, 2)));
    expect(errorCode(decide(spec([{ ...update, expectedVersion: 1 }]), votes))).toBe('VERSION_CONFLICT');
    expect(committed(decide(spec([{ ...update, expectedVersion: 2 }]), votes)).version).toBe(3);
  });

  it('fails the voting phase with fewer than m yes votes, and retries when locks are the reason', () => {
    const two = [vote('a', ABSENT_VIEW), vote('b', ABSENT_VIEW), silent('c'), silent('d'), silent('e')];
    expect(errorCode(decide(spec([create]), two))).toBe('VOTING_PHASE_FAILED');
    const locked = [vote('a', ABSENT_VIEW), vote('b', ABSENT_VIEW), vote('c', ABSENT_VIEW, { yes: false, reason: 'locked' }), silent('d'), silent('e')];
    const verdict = decide(spec([create]), locked);
    expect(verdict.kind).toBe('retry');
    if (verdict.kind === 'retry') expect((verdict.onGiveUp() as VaultError).code).toBe('WRITE_CONFLICT');
  });

  it('refutes a request from a quorum of answers at once, even while locks keep the yes votes short', () => {
    const locked = { yes: false, reason: 'locked' } as const;
    const votes = [vote('a', live(1, 1)), vote('b', live(1, 1), locked), vote('c', ABSENT_VIEW, locked), silent('d'), silent('e')];
    expect(errorCode(decide(spec([create]), votes))).toBe('SECRET_ALREADY_EXISTS');
    // Fewer than m answers: the view is not known, so it is a voting failure, not "exists".
    expect(errorCode(decide(spec([create]), votes.slice(0, 2).concat([silent('c')])))).toBe('VOTING_PHASE_FAILED');
    // The same answers allow an update: then the locks are the reason, and it retries.
    expect(decide(spec([update]), votes).kind).toBe('retry');
  });

  it('needs max(m, n-k+1) votes and n-k+1 confirmations to delete', () => {
    const shape = { n: 5, k: 2, m: 3 }; // n-k+1 = 4
    const three = ['a', 'b', 'c'].map((p) => vote(p, live(1, 1))).concat([silent('d'), silent('e')]);
    expect(errorCode(decide(spec([{ name: 'S', op: 'delete' }], { cluster: shape }), three))).toBe('DELETE_THRESHOLD_NOT_MET');
    const four = ['a', 'b', 'c', 'd'].map((p) => vote(p, live(1, 1))).concat([silent('e')]);
    const verdict = decide(spec([{ name: 'S', op: 'delete' }], { cluster: shape }), four);
    expect(verdict.kind === 'commit' && verdict.requiredAcks).toBe(4);
    expect(committed(verdict)).toMatchObject({ op: 'delete', revision: 2, lifetimeId: LIFETIME });
    if (verdict.kind === 'commit') expect((verdict.onWritingFailed(['a', 'b', 'c']) as VaultError).code).toBe('DELETE_THRESHOLD_NOT_MET');
  });

  it('replays a recorded outcome for the same idempotency key and body, and refuses another body', () => {
    const idempotency = { scope: 'POST /v1/secrets', key: 'k1', requestHash: 'a'.repeat(64) };
    const recorded = { requestHash: 'a'.repeat(64), response: { name: 'S', version: 1, validFrom: 5 } };
    const votes = [vote('a', live(1, 1), { yes: false, reason: 'already-done', info: { views: { S: live(1, 1) }, locked: [], idempotency: recorded } }), vote('b', live(1, 1)), vote('c', ABSENT_VIEW)];
    const verdict = decide(spec([create], { idempotency }), votes);
    expect(verdict).toEqual({ kind: 'replay', result: { response: recorded.response, acks: null } });
    const reused = decide(spec([create], { idempotency: { ...idempotency, requestHash: 'b'.repeat(64) } }), votes);
    expect(errorCode(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('records the idempotency outcome in the commit decision, without any value', () => {
    const idempotency = { scope: 'POST /v1/secrets', key: 'k2', requestHash: 'c'.repeat(64) };
    const verdict = decide(spec([create], { idempotency, response: (d) => ({ version: d[0].version }) }), ['a', 'b', 'c'].map((p) => vote(p, ABSENT_VIEW)));
    expect(verdict.kind === 'commit' && verdict.decision.idempotency).toEqual({ ...idempotency, response: { version: 1 } });
  });

  it('aborts a multi-name transaction with every problem, including ones the caller knew of', () => {
    const votes = ['a', 'b', 'c'].map((p) => ({
      peerId: p,
      answered: true,
      yes: true,
      info: { views: { A: live(1, 1), B: ABSENT_VIEW, R: deleted(3) }, locked: [] },
    }));
    let seen: ItemProblem[] = [];
    const verdict = decide(
      spec(
        [
          { name: 'A', op: 'create' },
          { name: 'B', op: 'create' },
          { name: 'R', op: 'check' },
        ],
        { knownProblems: [{ name: 'Q', kind: 'not-found' }], onProblems: (p) => ((seen = p), new Error('x')) },
      ),
      votes,
    );
    expect(verdict.kind).toBe('abort');
    expect(seen).toEqual([
      { name: 'Q', kind: 'not-found' },
      { name: 'A', kind: 'exists' },
      { name: 'R', kind: 'not-found' },
    ]);
  });

  it('tells a replica that missed a delete about the tombstone when the request it voted on fails', () => {
    const told: Array<{ peer: string; views: string[] }> = [];
    const votes = [vote('a', deleted(4)), vote('b', deleted(4)), vote('c', live(3, 2))];
    const verdict = decide(spec([update], { onStaleReplica: (peer, views) => told.push({ peer, views: views.map((v) => `${v.name}:${v.view.status}@${v.view.revision}`) }) }), votes);
    expect(errorCode(verdict)).toBe('SECRET_NOT_FOUND');
    expect(told).toEqual([{ peer: 'c', views: ['S:deleted@4'] }]);
  });

  it('tells replicas that voted with an older view the decided state after the commit', () => {
    const stale: Array<{ peer: string; names: string[] }> = [];
    const plan = secretTransactionPlan(spec([update], { onStaleReplica: (peer, views) => stale.push({ peer, names: views.map((v) => `${v.name}@${v.view.revision}`) }) }));
    const votes = [vote('a', live(2, 2)), vote('b', live(2, 2)), vote('c', live(2, 2)), vote('d', live(1, 1), { yes: false, reason: 'locked' }), silent('e')];
    const verdict = plan.decide(votes);
    if (verdict.kind !== 'commit') throw new Error('expected commit');
    plan.afterCommit!(votes, verdict.decision);
    expect(stale).toEqual([{ peer: 'd', names: ['S@3'] }]);
  });
});
