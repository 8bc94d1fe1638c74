import { AcceptorState, acceptRule, chooseValue, promiseRule } from './acceptor';
import { Ballot, ballotZero, compareBallots, nextBallot } from './ballot';

const b = (round: number, node = 'n1'): Ballot => ({ round, node });
const empty: AcceptorState = { promised: null, accepted: null, outcome: null };

describe('ballots', () => {
  it('order by round, then by node id, so two proposers never share a ballot', () => {
    expect(compareBallots(b(1, 'n9'), b(2, 'n1'))).toBeLessThan(0);
    expect(compareBallots(b(2, 'n1'), b(2, 'n2'))).toBeLessThan(0);
    expect(compareBallots(b(2, 'n2'), b(2, 'n2'))).toBe(0);
    expect(compareBallots(b(3, 'a'), b(2, 'z'))).toBeGreaterThan(0);
  });

  it('ballot 0 belongs to the coordinator; a recoverer’s next ballot is above every ballot it saw', () => {
    expect(ballotZero('n4')).toEqual(b(0, 'n4'));
    expect(nextBallot('n2', [])).toEqual(b(1, 'n2'));
    expect(nextBallot('n2', [b(0, 'n1'), null, b(4, 'n3'), undefined, b(2, 'n9')])).toEqual(b(5, 'n2'));
    expect(compareBallots(nextBallot('n1', [b(7, 'n3')]), b(7, 'n3'))).toBeGreaterThan(0);
  });
});

describe('promiseRule (phase 1b)', () => {
  it('promises a first ballot, and any ballot at or above the promised one (a repeated promise is answered again)', () => {
    const first = promiseRule(empty, b(1));
    expect(first).toEqual({ ok: true, state: { ...empty, promised: b(1) } });
    expect(promiseRule(first.state, b(1))).toEqual({ ok: true, state: { ...empty, promised: b(1) } });
    expect(promiseRule(first.state, b(2, 'n0'))).toEqual({ ok: true, state: { ...empty, promised: b(2, 'n0') } });
  });

  it('refuses a ballot below the promised one and leaves the state unchanged', () => {
    const state: AcceptorState = { ...empty, promised: b(3, 'n2') };
    expect(promiseRule(state, b(3, 'n1'))).toEqual({ ok: false, state });
    expect(promiseRule(state, b(2, 'n9'))).toEqual({ ok: false, state });
  });

  it('keeps what was accepted when it promises', () => {
    const state: AcceptorState = { promised: b(1), accepted: { ballot: b(1), value: 'commit' }, outcome: null };
    expect(promiseRule(state, b(2)).state.accepted).toEqual({ ballot: b(1), value: 'commit' });
  });
});

describe('acceptRule (phase 2b)', () => {
  it('accepts at or above the promised ballot and promises that ballot too', () => {
    expect(acceptRule(empty, b(0), 'commit')).toEqual({ ok: true, state: { promised: b(0), accepted: { ballot: b(0), value: 'commit' }, outcome: null } });
    const promised: AcceptorState = { ...empty, promised: b(2) };
    expect(acceptRule(promised, b(2), 'abort').state.accepted).toEqual({ ballot: b(2), value: 'abort' });
    expect(acceptRule(promised, b(3), 'abort').state.promised).toEqual(b(3));
  });

  it('refuses a ballot below the promised one: a coordinator’s ballot 0 loses to a recoverer’s promise', () => {
    const promised: AcceptorState = { ...empty, promised: b(1, 'n3') };
    expect(acceptRule(promised, b(0, 'n1'), 'commit')).toEqual({ ok: false, state: promised });
  });
});

describe('chooseValue (the proposer after m promises)', () => {
  const promise = (accepted: { ballot: Ballot; value: 'commit' | 'abort' } | null, decision: Record<string, unknown> | null = null) => ({ accepted, decision });

  it('proposes abort when no promise reports an accepted value', () => {
    expect(chooseValue([promise(null), promise(null), promise(null)])).toEqual({ value: 'abort', decision: null });
  });

  it('adopts an accepted commit, with its decision', () => {
    const decision = { items: [{ name: 'S' }] };
    expect(chooseValue([promise(null), promise({ ballot: b(0), value: 'commit' }, decision), promise(null)])).toEqual({ value: 'commit', decision });
  });

  it('adopts the value accepted in the highest ballot, whichever order the promises came in', () => {
    const decision = { items: [] };
    const commitAt0 = promise({ ballot: b(0, 'n1'), value: 'commit' }, decision);
    const abortAt2 = promise({ ballot: b(2, 'n3'), value: 'abort' });
    expect(chooseValue([commitAt0, abortAt2])).toEqual({ value: 'abort', decision: null });
    expect(chooseValue([abortAt2, commitAt0])).toEqual({ value: 'abort', decision: null });
    const commitAt3 = promise({ ballot: b(3, 'n2'), value: 'commit' }, decision);
    expect(chooseValue([abortAt2, commitAt3, commitAt0])).toEqual({ value: 'commit', decision });
  });

  it('refuses an accepted commit that came without its decision (nobody could apply it)', () => {
    expect(() => chooseValue([promise({ ballot: b(0), value: 'commit' }, null)])).toThrow('without its decision');
  });
});
