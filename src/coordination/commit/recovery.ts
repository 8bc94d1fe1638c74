import { Clock } from '../../common/clock';
import { Ids, jitter } from '../../common/ids';
import { fanOut, gather, PeerTransport } from '../peer-transport';
import { AcceptReply, chooseValue, PromiseReply } from './acceptor';
import { Ballot, nextBallot, Outcome } from './ballot';
import { AcceptMessage, COMMIT_ROUTES, DecidedMessage, PromiseMessage } from './messages';
import { CommitParticipant, TxHeader } from './participant';

export interface SettlerOptions {
  selfId: string;
  peerIds: readonly string[];
  quorum: number;
  clock: Clock;
  ids: Ids;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

/** What a settling attempt found. 'forgotten': too old for any quorum to remember (see abandon). */
export type SettleResult = Outcome | 'forgotten' | null;

/**
 * Settles a transaction without its coordinator: runs a higher ballot of the
 * transaction's consensus (docs/model.md, "Ending in-doubt transactions"). Phase 1 asks
 * every replica to promise; with m promises it proposes the value accepted in the highest
 * ballot among them, or abort when none was accepted (then no commit can have been
 * chosen: m acceptances and m promises always share a replica). Phase 2 asks them to
 * accept it; with m acceptances it is chosen, and every replica is told. Any replica may
 * do this for any transaction at any time; two doing it at once cannot choose differently.
 */
export class Settler {
  constructor(
    private readonly transport: PeerTransport,
    private readonly options: SettlerOptions,
  ) {}

  async settle(header: TxHeader, deadline: number): Promise<SettleResult> {
    const { clock, ids, quorum } = this.options;
    const seen: Ballot[] = [];
    let backoffMs = 20;
    while (clock.now() < deadline) {
      const ballot = nextBallot(this.options.selfId, seen);
      const round = await this.round(header, ballot, seen);
      if (round !== 'retry') return round;
      const delay = jitter(ids, backoffMs);
      if (clock.now() + delay >= deadline) break;
      await clock.sleep(delay);
      backoffMs = Math.min(backoffMs * 2, 500);
    }
    this.options.log?.('info', 'transaction not settled yet', { txId: header.txId, quorum });
    return null;
  }

  private async round(header: TxHeader, ballot: Ballot, seen: Ballot[]): Promise<SettleResult | 'retry'> {
    const { quorum } = this.options;
    const promise: PromiseMessage = { header, ballot };
    const promised = await this.collect<PromiseReply>(COMMIT_ROUTES.promise, promise, (replies) =>
      replies.some((r) => r.kind === 'decided') || replies.filter((r) => r.kind === 'promised').length >= quorum,
    );
    const known = promised.find((r): r is Extract<PromiseReply, { kind: 'decided' }> => r.kind === 'decided');
    if (known) return this.finish(header, known.outcome, known.decision);
    for (const reply of promised) if (reply.kind === 'nack') seen.push(reply.promised);
    const promises = promised.filter((r): r is Extract<PromiseReply, { kind: 'promised' }> => r.kind === 'promised');
    if (promises.length < quorum) {
      if (promised.filter((r) => r.kind === 'refused' && r.reason === 'too-old').length >= quorum) return 'forgotten';
      return 'retry';
    }

    const { value, decision } = chooseValue(promises);
    const accept: AcceptMessage = { header, ballot, value, decision };
    const acceptedReplies = await this.collect<AcceptReply>(COMMIT_ROUTES.accept, accept, (replies) =>
      replies.some((r) => r.kind === 'decided') || replies.filter((r) => r.kind === 'accepted').length >= quorum,
    );
    const decided = acceptedReplies.find((r): r is Extract<AcceptReply, { kind: 'decided' }> => r.kind === 'decided');
    if (decided) return this.finish(header, decided.outcome, decided.decision);
    for (const reply of acceptedReplies) if (reply.kind === 'nack' && reply.promised) seen.push(reply.promised);
    if (acceptedReplies.filter((r) => r.kind === 'accepted').length < quorum) return 'retry';
    this.options.log?.('info', 'settled a transaction', { txId: header.txId, outcome: value, ballot: ballot.round });
    return this.finish(header, value, decision);
  }

  /** Sends a message of this ballot to every replica; the answers that came, once `enough` holds or all are in. */
  private async collect<T>(route: string, message: unknown, enough: (replies: T[]) => boolean): Promise<T[]> {
    const { early } = gather<T>(this.transport, this.options.peerIds, route, () => message, (results) =>
      enough(results.filter((r) => r.ok).map((r) => (r as { value: T }).value)),
    );
    return (await early).filter((r) => r.ok).map((r) => (r as { value: T }).value);
  }

  /** Tells every replica the chosen outcome; this replica's own copy is applied before returning. */
  private async finish(header: TxHeader, outcome: Outcome, decision: Record<string, unknown> | null): Promise<Outcome> {
    const message: DecidedMessage = { header, outcome, decision };
    const others = this.options.peerIds.filter((id) => id !== this.options.selfId);
    void fanOut(this.transport, others, COMMIT_ROUTES.decided, () => message);
    await fanOut(this.transport, [this.options.selfId], COMMIT_ROUTES.decided, () => message);
    return outcome;
  }
}

/**
 * The participant's side of liveness: every transaction holding locks here past its lease
 * is settled (in parallel, each on its own, so one unreachable coordinator or one failing
 * transaction delays no other). Runs about every quarter lease.
 */
export async function settleInDoubt(
  participant: CommitParticipant,
  settler: Settler,
  clock: Clock,
  settleTimeMs: number,
  log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void,
): Promise<{ settled: number; unsettled: number; forgotten: number }> {
  const inDoubt = await participant.inDoubt(100);
  const tally = { settled: 0, unsettled: 0, forgotten: 0 };
  await Promise.all(
    inDoubt.map(async (header) => {
      try {
        const result = await settler.settle(header, clock.now() + settleTimeMs);
        if (result === 'forgotten') {
          await participant.abandon(header);
          log('warn', 'abandoned a transaction no quorum remembers', { txId: header.txId });
          tally.forgotten++;
        } else if (result) tally.settled++;
        else tally.unsettled++;
      } catch (error) {
        tally.unsettled++;
        log('warn', 'settling a transaction failed', { txId: header.txId, error: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  return tally;
}
