import { Clock } from '../../common/clock';
import { Ids } from '../../common/ids';
import { PeerRouter } from '../peer-router';
import { PeerTransport } from '../peer-transport';
import { CommitCoordinator, TransactionPlan } from './coordinator';
import { COMMIT_ROUTES, commitSchemas } from './messages';
import { CommitParticipant, TxHeader } from './participant';
import { SettleResult, settleInDoubt, Settler } from './recovery';

export interface CommitEngineOptions {
  selfId: string;
  peerIds: readonly string[];
  quorum: number;
  peerTimeoutMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  clock: Clock;
  ids: Ids;
  faultPoint?: string | null;
  crash?: () => never;
  log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
  /** Test-only planted bug, set by the simulation to show that its checker finds it; never by config. */
  bugs?: { abortAtLeaseEnd?: boolean };
}

/**
 * The commit protocol as one replica runs it, every role: coordinator of its own writes,
 * participant and acceptor for everyone's (the tx/* routes), and settler of transactions
 * left in doubt. Plain class, so the deterministic simulation runs exactly this code.
 */
export class CommitEngine {
  private readonly coordinator: CommitCoordinator;
  readonly settler: Settler;

  constructor(
    transport: PeerTransport,
    router: PeerRouter,
    private readonly participant: CommitParticipant,
    private readonly options: CommitEngineOptions,
  ) {
    this.settler = new Settler(transport, options);
    this.coordinator = new CommitCoordinator(transport, {
      ...options,
      settle: async (header, deadline) => {
        const result = await this.settler.settle(header, deadline);
        return result === 'forgotten' ? null : result;
      },
    });
    router.register(COMMIT_ROUTES.prepare, { request: commitSchemas.prepare, answer: commitSchemas.vote, lane: 'write' }, (m) =>
      participant.prepare(m.header, m.payload),
    );
    router.register(COMMIT_ROUTES.promise, { request: commitSchemas.promise, answer: commitSchemas.promiseReply, lane: 'write' }, (m) =>
      participant.promise(m.header, m.ballot),
    );
    router.register(COMMIT_ROUTES.accept, { request: commitSchemas.accept, answer: commitSchemas.acceptReply, lane: 'write' }, (m) =>
      participant.accept(m.header, m.ballot, m.value, m.decision),
    );
    router.register(COMMIT_ROUTES.decided, { request: commitSchemas.decided, answer: commitSchemas.ok, lane: 'write' }, async (m) => {
      await participant.decide(m.header, m.outcome, m.decision);
      return { ok: true };
    });
  }

  run<I, D extends Record<string, unknown>, R>(plan: TransactionPlan<I, D, R>, giveUpAt?: number): Promise<R> {
    return this.coordinator.run(plan, giveUpAt);
  }

  /** Finishes one transaction now (a reader that met its lock past the lease). */
  settle(header: TxHeader, deadline: number): Promise<SettleResult> {
    return this.settler.settle(header, deadline);
  }

  /** One pass over the transactions in doubt here (the background loop calls it). */
  settleInDoubt() {
    if (this.options.bugs?.abortAtLeaseEnd) return this.abortAtLeaseEnd();
    return settleInDoubt(this.participant, this.settler, this.options.clock, 3 * this.options.peerTimeoutMs, this.options.log);
  }

  /** The planted bug: decide alone, without consensus, that an in-doubt transaction aborted. */
  private async abortAtLeaseEnd() {
    const inDoubt = await this.participant.inDoubt(100);
    for (const header of inDoubt) await this.participant.decide(header, 'abort', null);
    return { settled: inDoubt.length, unsettled: 0, forgotten: 0 };
  }

  /** How often the in-doubt pass runs: a quarter lease, between 200 ms and 1 s. */
  get settleIntervalMs(): number {
    return Math.max(200, Math.min(1000, this.options.lockTtlMs / 4));
  }
}
