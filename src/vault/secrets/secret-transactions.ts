import { Injectable } from '@nestjs/common';
import { KeyedMutex } from '../../common/keyed-mutex';
import { WriteConflictError } from '../../common/errors';
import { VaultConfig } from '../../config';
import { TwoPhaseService } from '../../coordination/two-phase/two-phase.service';
import { secretTransactionPlan, SecretTransactionSpec } from './secret-transaction';
import { StaleReplicaNotifier } from './stale-replicas';
import { IdempotencyRequest, idempotencyContext } from './idempotency';
import { PreparedSplit, splitForReplicas } from './split';

type Spec<R> = Omit<SecretTransactionSpec<R>, 'cluster' | 'onStaleReplica' | 'idempotency'> & {
  idempotency?: IdempotencyRequest;
};

/** Runs secret transactions on this cluster: the one path every write takes. */
@Injectable()
export class SecretTransactions {
  private readonly localQueue = new KeyedMutex();

  constructor(
    private readonly config: VaultConfig,
    private readonly twoPhase: TwoPhaseService,
    private readonly stale: StaleReplicaNotifier,
  ) {}

  /**
   * Runs one transaction. This replica's own writes to the same names queue here first,
   * so that the cluster-wide locks are contended by a few coordinators rather than by
   * every concurrent request; the queue and the two-phase retries share one deadline.
   */
  async run<R>(spec: Spec<R>): Promise<R> {
    const { n, k, m } = this.config;
    const plan = secretTransactionPlan<R>({
      ...spec,
      idempotency: spec.idempotency ? idempotencyContext(this.config.peerSecret, spec.idempotency) : undefined,
      cluster: { n, k, m },
      onStaleReplica: (peerId, names) => this.stale.notify(peerId, names),
    });
    const names = spec.intents.map((i) => i.name);
    const giveUpAt = Date.now() + this.twoPhase.lockWaitMs;
    const outcome = await this.localQueue.runExclusive(names, giveUpAt, () => this.twoPhase.run(plan, giveUpAt));
    if (!outcome) throw new WriteConflictError(names);
    return outcome.value;
  }

  split(value: string): Promise<PreparedSplit> {
    return splitForReplicas(value, this.config.peers.map((p) => p.id), this.config.k);
  }

  get destroyThreshold(): number {
    return this.config.n - this.config.k + 1;
  }
}
