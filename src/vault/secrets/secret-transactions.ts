import { Clock } from '../../common/clock';
import { OverloadedError, WriteConflictError } from '../../common/errors';
import { Ids } from '../../common/ids';
import { KeyedMutex } from '../../common/keyed-mutex';
import { CommitEngine } from '../../coordination/commit/commit-engine';
import { NameView } from '../protocol';
import { IdempotencyRequest, idempotencyContext } from './idempotency';
import { secretTransactionPlan, SecretTransactionSpec } from './secret-transaction';
import { PreparedSplit, splitForReplicas } from './split';

export type TransactionRequest<R> = Omit<SecretTransactionSpec<R>, 'cluster' | 'onStaleReplica' | 'idempotency' | 'newLifetimeId'> & {
  idempotency?: IdempotencyRequest;
  /** Give up on other writes' locks at this time (default: the bounded lock wait). */
  giveUpAt?: number;
};

export interface SecretTransactionsOptions {
  selfId: string;
  peerIds: readonly string[];
  n: number;
  k: number;
  m: number;
  /** Keys the idempotency records' request hashes. */
  peerSecret: string;
  lockWaitMs: number;
  clock: Clock;
  ids: Ids;
  engine: CommitEngine;
  notifyStale: (peerId: string, names: Array<{ name: string; view: NameView }>) => void;
}

/**
 * Transactions started here at once (queued for a name included). Past it a write is
 * refused with 503 OVERLOADED at once, rather than queued to time out (docs/api.md).
 */
export const MAX_WRITES_IN_PROGRESS = 2048;

/** Runs secret transactions on this cluster: the one path every write takes. */
export class SecretTransactions {
  private readonly localQueue = new KeyedMutex();
  private inProgress = 0;

  constructor(private readonly options: SecretTransactionsOptions) {}

  /**
   * Runs one transaction. This replica's own writes to the same names queue here first,
   * so that the cluster-wide locks are contended by a few coordinators rather than by
   * every concurrent request; the queue and the protocol's retries share one deadline.
   */
  async run<R>(request: TransactionRequest<R>): Promise<R> {
    const { n, k, m, clock } = this.options;
    if (this.inProgress >= MAX_WRITES_IN_PROGRESS) throw new OverloadedError(`${MAX_WRITES_IN_PROGRESS} writes in progress`);
    this.inProgress++;
    try {
      const plan = secretTransactionPlan<R>({
        ...request,
        idempotency: request.idempotency ? idempotencyContext(this.options.peerSecret, request.idempotency) : undefined,
        cluster: { n, k, m },
        newLifetimeId: () => this.options.ids.uuid(),
        onStaleReplica: this.options.notifyStale,
      });
      const names = request.intents.map((i) => i.name);
      const giveUpAt = request.giveUpAt ?? clock.now() + this.options.lockWaitMs;
      const outcome = await this.localQueue.runExclusive(names, giveUpAt, () => this.options.engine.run(plan, giveUpAt), clock);
      if (!outcome) throw new WriteConflictError(names);
      return outcome.value;
    } finally {
      this.inProgress--;
    }
  }

  split(value: string): Promise<PreparedSplit> {
    return splitForReplicas(value, this.options.peerIds, this.options.k, this.options.ids.uuid());
  }
}
