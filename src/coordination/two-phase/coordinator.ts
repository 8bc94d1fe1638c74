import { randomUUID } from 'node:crypto';
import { jitter, sleep } from '../../common/async';
import { VotingPhaseFailedError } from '../../common/errors';
import { fanOut, PeerResult, PeerTransport } from '../peer-transport';
import { DecisionStore } from './decision-store';
import { CommitMessage, DecisionAnswer, PrepareMessage, TX_ROUTES, TxIdMessage } from './messages';
import { ParticipantVote } from './participant';

/** One replica's answer to a prepare. A replica that did not answer in time is a no. */
export interface VoteResult<I> {
  peerId: string;
  answered: boolean;
  yes: boolean;
  reason?: string;
  info?: I;
}

/** What a plan decides once the votes are in. */
export type Verdict<D, R> =
  | {
      kind: 'commit';
      decision: D;
      /** Acknowledgements needed before the client hears success. */
      requiredAcks: number;
      onCommitted: (acks: string[]) => R;
      onWritingFailed: (acks: string[]) => Error;
    }
  | { kind: 'abort'; error: Error }
  /** An earlier attempt with the same idempotency key already succeeded: answer with it. */
  | { kind: 'replay'; result: R }
  /** Other writes hold the locks: back off and prepare again, until the wait runs out. */
  | { kind: 'retry'; onGiveUp: () => Error };

/** The secret-specific half of a transaction; coordination runs the protocol around it. */
export interface TransactionPlan<I, D, R> {
  /** The prepare payload for one replica (its own share only). */
  prepareFor(peerId: string): Record<string, unknown>;
  decide(votes: VoteResult<I>[]): Verdict<D, R>;
  /** Called after a commit decision was sent, e.g. to tell stale replicas the new state. */
  afterCommit?(votes: VoteResult<I>[], decision: D): void;
}

export interface CoordinatorOptions {
  selfId: string;
  peerIds: readonly string[];
  peerTimeoutMs: number;
  /** How long a write may keep retrying while other writes hold its names' locks. */
  lockWaitMs: number;
  /** Test-only: crash at a named point of the protocol. */
  faultPoint?: string | null;
  crash?: () => never;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

/**
 * The coordinator of SPEC section 3. Voting: every replica gets its prepare at once; a
 * replica silent past its deadline counts as a no. Writing: the decision is made durable in
 * the decision log before anyone hears it, then sent to the yes-voters. A decision that did
 * not reach enough replicas in time stays in the log, and CommitCompleter keeps sending it.
 */
export class TwoPhaseCoordinator {
  constructor(
    private readonly transport: PeerTransport,
    private readonly store: DecisionStore,
    private readonly options: CoordinatorOptions,
  ) {}

  /** Runs the plan; while locks block it, retries until `giveUpAt` (default: lockWaitMs from now). */
  async run<I, D extends Record<string, unknown>, R>(plan: TransactionPlan<I, D, R>, giveUpAt = Date.now() + this.options.lockWaitMs): Promise<R> {
    let backoffMs = 15;
    for (;;) {
      const txId = randomUUID();
      const votes = await this.collectVotes<I>(txId, plan);
      const verdict = plan.decide(votes);
      if (verdict.kind === 'commit') return this.commit(txId, votes, verdict, plan);

      await this.abort(txId, votes);
      switch (verdict.kind) {
        case 'abort':
          throw verdict.error;
        case 'replay':
          return verdict.result;
        case 'retry': {
          const delay = jitter(backoffMs);
          if (Date.now() + delay >= giveUpAt) throw verdict.onGiveUp();
          await sleep(delay);
          backoffMs = Math.min(backoffMs * 2, 250);
        }
      }
    }
  }

  private async collectVotes<I>(txId: string, plan: TransactionPlan<I, Record<string, unknown>, unknown>): Promise<VoteResult<I>[]> {
    const results = await fanOut<ParticipantVote>(
      this.transport,
      this.options.peerIds,
      TX_ROUTES.prepare,
      (peerId): PrepareMessage => ({ txId, coordinator: this.options.selfId, payload: plan.prepareFor(peerId) }),
    );
    return results.map((r) =>
      r.ok
        ? { peerId: r.peerId, answered: true, yes: r.value.yes === true, reason: r.value.reason, info: r.value.info as I }
        : { peerId: r.peerId, answered: false, yes: false, reason: r.error.failure },
    );
  }

  private async commit<I, D extends Record<string, unknown>, R>(
    txId: string,
    votes: VoteResult<I>[],
    verdict: Extract<Verdict<D, R>, { kind: 'commit' }>,
    plan: TransactionPlan<I, D, R>,
  ): Promise<R> {
    const yesVoters = votes.filter((v) => v.yes).map((v) => v.peerId);
    const standing = await this.store.record(txId, 'commit', verdict.decision, yesVoters);
    if (standing.decision !== 'commit') {
      // A participant whose lease ran out asked first and got "abort": nothing committed.
      await this.abort(txId, votes);
      throw new VotingPhaseFailedError(0, verdict.requiredAcks);
    }
    if (this.options.faultPoint === 'after-decision-log') this.crash();

    const acks = await this.sendCommit(txId, verdict.decision, yesVoters);
    void this.store.markAcknowledged(txId, acks).catch((error) =>
      this.options.log?.('warn', 'could not record commit acknowledgements', { txId, error: String(error) }),
    );
    plan.afterCommit?.(votes, verdict.decision);
    if (acks.length < verdict.requiredAcks) {
      this.options.log?.('warn', 'writing phase incomplete; completing in background', {
        txId,
        acks: acks.length,
        required: verdict.requiredAcks,
      });
      throw verdict.onWritingFailed(acks);
    }
    return verdict.onCommitted(acks);
  }

  /** Sends the decision to `peers`; returns those that confirmed. */
  async sendCommit(txId: string, decision: Record<string, unknown>, peers: readonly string[]): Promise<string[]> {
    const results = await fanOut(this.transport, peers, TX_ROUTES.commit, (): CommitMessage => ({ txId, decision }));
    return results.filter((r) => r.ok).map((r) => r.peerId);
  }

  /**
   * Best-effort abort to every replica that may hold a prepared share: the yes-voters and
   * the silent ones (a vote may have been lost). A replica this misses asks for the decision
   * when its lease ends and gets "abort" then.
   */
  private async abort<I>(txId: string, votes: VoteResult<I>[]): Promise<void> {
    const targets = votes.filter((v) => v.yes || !v.answered).map((v) => v.peerId);
    if (targets.length === 0) return;
    await fanOut(this.transport, targets, TX_ROUTES.abort, (): TxIdMessage => ({ txId }));
  }

  private crash(): never {
    if (this.options.crash) return this.options.crash();
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }
}

/** The answer to "what did you decide?": no decision yet means abort, recorded first. */
export async function answerDecisionQuery(store: DecisionStore, txId: string): Promise<DecisionAnswer> {
  const existing = (await store.get(txId)) ?? (await store.record(txId, 'abort', null, []));
  return existing.decision === 'commit'
    ? { decision: 'commit', payload: existing.payload ?? {} }
    : { decision: 'abort' };
}

export type { PeerResult };
