import { Ballot, compareBallots, Outcome } from './ballot';

/** What an acceptor keeps durably for one transaction, beside its prepared share. */
export interface AcceptorState {
  /** The highest ballot it promised (or accepted in). */
  promised: Ballot | null;
  /** The value it accepted last, and in which ballot. */
  accepted: { ballot: Ballot; value: Outcome } | null;
  /** The chosen outcome, once this replica has learnt it. */
  outcome: Outcome | null;
}

export type PromiseReply =
  | { kind: 'promised'; accepted: { ballot: Ballot; value: Outcome } | null; decision: Record<string, unknown> | null }
  | { kind: 'nack'; promised: Ballot }
  | { kind: 'decided'; outcome: Outcome; decision: Record<string, unknown> | null }
  /** This replica may not take part (it lost its state since the transaction began, ...). */
  | { kind: 'refused'; reason: string };

export type AcceptReply =
  | { kind: 'accepted' }
  | { kind: 'nack'; promised: Ballot | null; reason: string }
  | { kind: 'decided'; outcome: Outcome; decision: Record<string, unknown> | null }
  | { kind: 'refused'; reason: string };

/**
 * Phase 1b: promise never to accept below `ballot`, and say what was accepted so far.
 * A promise repeated for the same ballot is answered again (messages may be duplicated).
 */
export function promiseRule(state: AcceptorState, ballot: Ballot): { state: AcceptorState; ok: boolean } {
  if (state.promised && compareBallots(ballot, state.promised) < 0) return { state, ok: false };
  return { state: { ...state, promised: ballot }, ok: true };
}

/** Phase 2b: accept unless a higher ballot was promised. */
export function acceptRule(state: AcceptorState, ballot: Ballot, value: Outcome): { state: AcceptorState; ok: boolean } {
  if (state.promised && compareBallots(ballot, state.promised) < 0) return { state, ok: false };
  return { state: { ...state, promised: ballot, accepted: { ballot, value } }, ok: true };
}

/**
 * The proposer's choice after a quorum of promises: the value accepted in the highest
 * ballot, or abort when none was accepted (no commit can have been chosen then: a chosen
 * value was accepted by a quorum, and any two quorums meet).
 */
export function chooseValue(
  promises: Array<{ accepted: { ballot: Ballot; value: Outcome } | null; decision: Record<string, unknown> | null }>,
): { value: Outcome; decision: Record<string, unknown> | null } {
  let best: { ballot: Ballot; value: Outcome; decision: Record<string, unknown> | null } | null = null;
  for (const promise of promises) {
    if (!promise.accepted) continue;
    if (!best || compareBallots(promise.accepted.ballot, best.ballot) > 0) {
      best = { ...promise.accepted, decision: promise.decision };
    }
  }
  if (!best) return { value: 'abort', decision: null };
  if (best.value === 'commit' && !best.decision) {
    // An acceptor that accepted commit keeps the decision with it; without it nobody could apply it.
    throw new Error('an accepted commit came without its decision');
  }
  return { value: best.value, decision: best.value === 'commit' ? best.decision : null };
}
