import { IdempotencyRequest } from './idempotency';
import { SecretTransactions } from './secret-transactions';
import { problemError } from './write-secret';

export interface DeleteSecretCommand {
  name: string;
  gatewayTime: number;
  idempotency?: IdempotencyRequest;
}

export interface DeletedSecret {
  name: string;
  deleted: true;
  deletedAt: number;
  shardsDestroyed: number;
  destroyThreshold: number;
}

/**
 * Threshold delete: the same lock and two phases as a write, but success needs n-k+1
 * replicas to confirm that they destroyed their shares of every version. Then at most k-1
 * shares of any version survive anywhere, and nothing can be reconstructed.
 */
export class DeleteSecret {
  constructor(
    private readonly transactions: SecretTransactions,
    /** n - k + 1 (the config's one definition). */
    private readonly destroyThreshold: number,
  ) {}

  delete(command: DeleteSecretCommand): Promise<DeletedSecret> {
    const destroyThreshold = this.destroyThreshold;
    return this.transactions.run<DeletedSecret>({
      intents: [{ name: command.name, op: 'delete' }],
      gatewayTime: command.gatewayTime,
      idempotency: command.idempotency,
      onProblems: ([problem]) => problemError(problem),
      // The recorded answer counts the yes-voters: each of them destroys its shares once it
      // has the outcome. The first answer counts those that confirmed destroying in time.
      response: ([item], yesVoters) => ({ name: item.name, deleted: true, deletedAt: item.at, shardsDestroyed: yesVoters, destroyThreshold }),
      finish: (response, applied) => ({ ...(response as unknown as DeletedSecret), ...(applied ? { shardsDestroyed: applied.length } : {}) }),
    });
  }
}
