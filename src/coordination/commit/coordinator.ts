import { Clock } from '../../common/clock';
import { Ids, jitter } from '../../common/ids';
import { callPeer, fanOut, gather, PeerResult, PeerTransport } from '../peer-transport';
import { AcceptReply } from './acceptor';
import { ballotZero, Outcome } from './ballot';

/** After enough replicas confirmed applying a delete, how long the others may still be counted. */
const APPLY_GRACE_MS = 50;
import { AcceptMessage, COMMIT_ROUTES, DecidedMessage, PrepareMessage } from './messages';
import { ParticipantVote, TxHeader } from './participant';

/** One replica's answer to a prepare. A replica that did not answer in time is a no. */
export interface VoteResult<I> {
  peerId: string;
  answered: boolean;
  yes: boolean;
  reason?: string;
  info?: I;
}

/** What the outcome of a commit attempt turned out to be, when it was not confirmed in time. */
export type Unconfirmed = 'unknown' | 'aborted';

/** What a plan decides from the votes. */
export type Verdict<D, R> =
  | {
      kind: 'commit';
      decision: D;
      /**
       * Replicas that must confirm they APPLIED the outcome before the client hears
       * success (a delete: n-k+1 destroyed); 0 when being chosen is enough.
       */
      requiredApplied: number;
      onCommitted: (applied: string[]) => R;
      /** The commit was not confirmed: the outcome is unknown yet, or it was aborted. */
      onUnconfirmed: (state: Unconfirmed) => Error;
      /** Chosen, but fewer than requiredApplied confirmed applying it in time. */
      onApplyShort: (applied: string[]) => Error;
    }
  | { kind: 'abort'; error: Error }
  /** An earlier attempt with the same idempotency key already succeeded: answer with it. */
  | { kind: 'replay'; result: R }
  /** Other writes hold the locks: back off and prepare again, until the wait runs out. */
  | { kind: 'retry'; onGiveUp: () => Error };

/** The application half of a transaction; coordination runs the protocol around it. */
export interface TransactionPlan<I, D, R> {
  /** Every name the transaction touches (the participants lock them). */
  names: string[];
  /** The prepare payload for one replica (its own share only). */
  prepareFor(peerId: string): Record<string, unknown>;
  /** The vote's info, if well formed; a malformed one counts as no answer. */
  readInfo(info: unknown): I | null;
  /** A verdict from the votes so far, or null to wait for more. `final`: no more will come. */
  decide(votes: VoteResult<I>[], final: boolean): Verdict<D, R> | null;
}

/** Finishes a transaction by running a higher ballot (recovery.ts); resolves with the chosen outcome, or null. */
export type Settle = (header: TxHeader, deadline: number) => Promise<Outcome | null>;

export interface CoordinatorOptions {
  selfId: string;
  peerIds: readonly string[];
  /** The write quorum m: accepts needed for an outcome to be chosen. */
  quorum: number;
  peerTimeoutMs: number;
  /** How long a write may keep retrying while other writes hold its names' locks. */
  lockWaitMs: number;
  clock: Clock;
  ids: Ids;
  settle: Settle;
  /** Test-only: crash at a named point of the protocol (NODE_ENV=test; see config). */
  faultPoint?: string | null;
  crash?: () => never;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

/**
 * The coordinator (docs/model.md, "The write flow"). Voting: every replica gets its
 * prepare at once, and the plan gives its verdict as soon as the votes allow (a slow
 * replica does not hold up a write that has its quorum). Writing: the commit is the
 * ballot-0 proposal of the transaction's consensus; it is chosen once m replicas accepted
 * it, and only then is the client told and the outcome sent to every replica, which
 * applies it. The coordinator keeps nothing durable: a replica that holds the
 * transaction's locks past their lease settles it with a higher ballot, whether or not
 * the coordinator comes back.
 */
export class CommitCoordinator {
  constructor(
    private readonly transport: PeerTransport,
    private readonly options: CoordinatorOptions,
  ) {}

  /** Runs the plan; while locks block it, retries until `giveUpAt` (default: lockWaitMs from now). */
  async run<I, D extends Record<string, unknown>, R>(plan: TransactionPlan<I, D, R>, giveUpAt?: number): Promise<R> {
    const { clock, ids } = this.options;
    const deadline = giveUpAt ?? clock.now() + this.options.lockWaitMs;
    let backoffMs = 15;
    for (;;) {
      const header: TxHeader = { txId: ids.uuid(), coordinator: this.options.selfId, createdAt: clock.now(), names: plan.names };
      const { verdict, votes } = await this.vote(header, plan);
      if (verdict.kind === 'commit') return this.commit(header, votes, verdict);

      await this.abort(header, votes);
      switch (verdict.kind) {
        case 'abort':
          throw verdict.error;
        case 'replay':
          return verdict.result;
        case 'retry': {
          const delay = jitter(ids, backoffMs);
          if (clock.now() + delay >= deadline) throw verdict.onGiveUp();
          await clock.sleep(delay);
          backoffMs = Math.min(backoffMs * 2, 250);
        }
      }
    }
  }

  /** Collects votes until the plan can give its verdict (or every replica answered or timed out). */
  private async vote<I, D, R>(header: TxHeader, plan: TransactionPlan<I, D, R>) {
    const votes: VoteResult<I>[] = [];
    let verdict: Verdict<D, R> | null = null;
    const { early } = gather<ParticipantVote>(
      this.transport,
      this.options.peerIds,
      COMMIT_ROUTES.prepare,
      (peerId): PrepareMessage => ({ header, payload: plan.prepareFor(peerId) }),
      (results) => {
        const result = results[results.length - 1];
        votes.push(this.toVote(result, plan));
        verdict ??= plan.decide(votes, results.length === this.options.peerIds.length);
        return verdict !== null;
      },
    );
    await early;
    if (!verdict) verdict = plan.decide(votes, true)!;
    // Votes that arrive later (their replicas prepared) get the outcome like everyone else.
    return { verdict, votes: [...votes] };
  }

  private toVote<I, D, R>(result: PeerResult<ParticipantVote>, plan: TransactionPlan<I, D, R>): VoteResult<I> {
    if (!result.ok) return { peerId: result.peerId, answered: false, yes: false, reason: result.error.failure };
    const info = plan.readInfo(result.value.info);
    // A replica rebuilding lost state knows nothing yet: its view must not count.
    if (info === null || result.value.reason === 'catching-up') return { peerId: result.peerId, answered: false, yes: false, reason: result.value.reason ?? 'invalid-info' };
    return { peerId: result.peerId, answered: true, yes: result.value.yes === true, reason: result.value.reason, info };
  }

  private async commit<I, D extends Record<string, unknown>, R>(
    header: TxHeader,
    votes: VoteResult<I>[],
    verdict: Extract<Verdict<D, R>, { kind: 'commit' }>,
  ): Promise<R> {
    const { clock, quorum } = this.options;
    const yesVoters = votes.filter((v) => v.yes).map((v) => v.peerId);
    if (this.options.faultPoint === 'before-accept') this.crash();

    const accept: AcceptMessage = { header, ballot: ballotZero(header.coordinator), value: 'commit', decision: verdict.decision };
    const { early } = gather<AcceptReply>(this.transport, yesVoters, COMMIT_ROUTES.accept, () => accept, (results) =>
      results.filter((r) => r.ok && r.value.kind === 'accepted').length >= quorum,
    );
    const accepted = (await early).filter((r) => r.ok && r.value.kind === 'accepted').length;

    if (accepted < quorum) {
      // Not confirmed by a quorum in time: finish it now with a higher ballot of our own,
      // which learns whether commit was chosen (or chooses an outcome) once m replicas answer.
      this.options.log?.('warn', 'commit not confirmed by a quorum; settling it', { txId: header.txId, accepted, quorum });
      const outcome = await this.options.settle(header, clock.now() + 2 * this.options.peerTimeoutMs);
      if (outcome !== 'commit') throw verdict.onUnconfirmed(outcome === 'abort' ? 'aborted' : 'unknown');
    } else if (this.options.faultPoint === 'after-chosen') {
      this.crash();
    }
    const message: DecidedMessage = { header, outcome: 'commit', decision: verdict.decision };
    if (verdict.requiredApplied === 0) {
      // Fire and forget: a replica that misses it learns the outcome when its lease ends.
      void fanOut(this.transport, this.options.peerIds, COMMIT_ROUTES.decided, () => message);
      return verdict.onCommitted([]);
    }
    const applied = await this.confirmApplied(message, verdict.requiredApplied);
    if (applied.length < verdict.requiredApplied) throw verdict.onApplyShort(applied);
    return verdict.onCommitted(applied);
  }

  /**
   * Sends the outcome to every replica and waits until `required` confirm they applied it;
   * then a short grace for the others, so that the answer counts every replica that
   * confirmed promptly without waiting out a dead one's deadline.
   */
  private async confirmApplied(message: DecidedMessage, required: number): Promise<string[]> {
    const applied: string[] = [];
    let enough!: () => void;
    const reached = new Promise<void>((resolve) => (enough = resolve));
    const all = fanOut(this.transport, this.options.peerIds, COMMIT_ROUTES.decided, () => message, (result) => {
      if (result.ok) applied.push(result.peerId);
      if (applied.length >= required) enough();
    });
    await Promise.race([all, reached.then(() => Promise.race([all, this.options.clock.sleep(APPLY_GRACE_MS)]))]);
    return [...applied];
  }

  /**
   * The coordinator's ballot-0 abort is final (no commit can be chosen for a transaction
   * whose coordinator proposed abort), so replicas apply it at once. The yes-voters are
   * waited for (their locks must be free before a retry prepares again); replicas that did
   * not answer (a vote lost, a prepare still on its way) are told without waiting.
   */
  private async abort<I>(header: TxHeader, votes: VoteResult<I>[]): Promise<void> {
    const message: DecidedMessage = { header, outcome: 'abort', decision: null };
    const yes = votes.filter((v) => v.yes).map((v) => v.peerId);
    const silent = this.options.peerIds.filter((id) => !votes.some((v) => v.peerId === id && v.answered));
    if (silent.length > 0) void fanOut(this.transport, silent, COMMIT_ROUTES.decided, () => message);
    if (yes.length > 0) await fanOut(this.transport, yes, COMMIT_ROUTES.decided, () => message);
  }

  private crash(): never {
    if (this.options.crash) return this.options.crash();
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }
}

/** Sends one replica the outcome; used by recovery and by readers that finish a transaction. */
export async function tellOutcome(transport: PeerTransport, peerId: string, message: DecidedMessage): Promise<boolean> {
  return (await callPeer(transport, peerId, COMMIT_ROUTES.decided, message)).ok;
}
