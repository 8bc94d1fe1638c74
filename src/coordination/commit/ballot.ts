/**
 * Ballots of the per-transaction consensus (Paxos Commit, see docs/model.md). Ballot 0
 * belongs to the transaction's coordinator alone; any replica may run a higher one to
 * finish or abort a transaction whose coordinator is gone. Rounds are totally ordered,
 * ties broken by node id, so two proposers never use the same ballot.
 */
export interface Ballot {
  round: number;
  node: string;
}

export type Outcome = 'commit' | 'abort';

export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round - b.round;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

export function ballotZero(coordinator: string): Ballot {
  return { round: 0, node: coordinator };
}

/** The first ballot of `node` above every ballot in `seen`. */
export function nextBallot(node: string, seen: Array<Ballot | null | undefined>): Ballot {
  const top = Math.max(0, ...seen.filter((b): b is Ballot => Boolean(b)).map((b) => b.round));
  return { round: top + 1, node };
}
