import { Injectable } from '@nestjs/common';
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
  constructor(
    private readonly config: VaultConfig,
    private readonly twoPhase: TwoPhaseService,
    private readonly stale: StaleReplicaNotifier,
  ) {}

  run<R>(spec: Spec<R>): Promise<R> {
    const { n, k, m } = this.config;
    return this.twoPhase.run(
      secretTransactionPlan<R>({
        ...spec,
        idempotency: spec.idempotency ? idempotencyContext(this.config.peerSecret, spec.idempotency) : undefined,
        cluster: { n, k, m },
        onStaleReplica: (peerId, names) => this.stale.notify(peerId, names),
      }),
    );
  }

  split(value: string): Promise<PreparedSplit> {
    return splitForReplicas(value, this.config.peers.map((p) => p.id), this.config.k);
  }

  get destroyThreshold(): number {
    return this.config.n - this.config.k + 1;
  }
}
