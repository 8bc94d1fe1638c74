import { Clock } from '../../common/clock';
import { OverloadedError, VaultError, WriteConflictError } from '../../common/errors';
import { Ids } from '../../common/ids';
import { KeyedMutex } from '../../common/keyed-mutex';
import { verifiedPeerSecrets } from '../../config/vault-config';
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
  /** While the peer secret changes (VAULT_PEER_SECRET_ACCEPTED): a record hashed with it still names the same request. */
  peerSecretAccepted?: string | null;
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

/**
 * How this replica's transactions ended, by the phase that decided it and the outcome
 * (docs/operations.md reads them as metrics): `writing/committed`, `voting/refused` (a 4xx:
 * exists, not found, version conflict...), `voting/conflict` (409 WRITE_CONFLICT),
 * `voting/failed`, `writing/unknown`, `writing/aborted`, `none/overloaded`, `none/error`.
 * Plain counters, read when scraped: nothing on the hot path but an increment.
 */
export class TransactionStats {
  readonly outcomes = new Map<string, number>();

  count(phase: string, outcome: string): void {
    const key = `${phase}/${outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  countError(error: unknown): void {
    if (!(error instanceof VaultError)) return this.count('none', 'error');
    switch (error.code) {
      case 'VOTING_PHASE_FAILED':
        return this.count('voting', 'failed');
      case 'WRITING_PHASE_FAILED':
        return this.count('writing', String(error.extra.outcome ?? 'unknown'));
      case 'DELETE_THRESHOLD_NOT_MET':
        return error.extra.phase === 'voting' ? this.count('voting', 'failed') : this.count('writing', String(error.extra.outcome ?? 'unknown'));
      case 'WRITE_CONFLICT':
        return this.count('voting', 'conflict');
      case 'OVERLOADED':
        return this.count('none', 'overloaded');
      case 'INTERNAL_ERROR':
        return this.count('none', 'error');
      default:
        return this.count('voting', 'refused');
    }
  }
}

/** Runs secret transactions on this cluster: the one path every write takes. */
export class SecretTransactions {
  private readonly localQueue = new KeyedMutex();
  private running = 0;
  readonly stats = new TransactionStats();

  constructor(private readonly options: SecretTransactionsOptions) {}

  /**
   * Runs one transaction. This replica's own writes to the same names queue here first,
   * so that the cluster-wide locks are contended by a few coordinators rather than by
   * every concurrent request; the queue and the protocol's retries share one deadline.
   */
  async run<R>(request: TransactionRequest<R>): Promise<R> {
    const { n, k, m, clock } = this.options;
    if (this.running >= MAX_WRITES_IN_PROGRESS) {
      this.stats.count('none', 'overloaded');
      throw new OverloadedError(`${MAX_WRITES_IN_PROGRESS} writes in progress`);
    }
    this.running++;
    try {
      const plan = secretTransactionPlan<R>({
        ...request,
        idempotency: request.idempotency ? idempotencyContext(verifiedPeerSecrets(this.options), request.idempotency) : undefined,
        cluster: { n, k, m },
        newLifetimeId: () => this.options.ids.uuid(),
        onStaleReplica: this.options.notifyStale,
      });
      const names = request.intents.map((i) => i.name);
      const giveUpAt = request.giveUpAt ?? clock.now() + this.options.lockWaitMs;
      const outcome = await this.localQueue.runExclusive(names, giveUpAt, () => this.options.engine.run(plan, giveUpAt), clock);
      if (!outcome) throw new WriteConflictError(names);
      this.stats.count('writing', 'committed');
      return outcome.value;
    } catch (error) {
      this.stats.countError(error);
      throw error;
    } finally {
      this.running--;
    }
  }

  /** Transactions started here and not finished (queued for a name included). */
  get inProgress(): number {
    return this.running;
  }

  split(value: string): Promise<PreparedSplit> {
    return splitForReplicas(value, this.options.peerIds, this.options.k, this.options.ids.uuid());
  }
}
