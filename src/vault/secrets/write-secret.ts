import {
  SecretAlreadyExistsError,
  SecretNotFoundError,
  VersionConflictError,
} from '../../common/errors';
import { IdempotencyRequest } from './idempotency';
import { ItemProblem } from './secret-transaction';
import { SecretTransactions } from './secret-transactions';

export interface WriteSecretCommand {
  name: string;
  value: string;
  /** When the API received the request (ms since epoch): becomes validFrom. */
  gatewayTime: number;
  expectedVersion?: number;
  idempotency?: IdempotencyRequest;
}

export interface WrittenVersion {
  name: string;
  version: number;
  validFrom: number;
}

/**
 * Create and update: one code path, one two-phase flow. They differ only in what the
 * authoritative view must say (absent or deleted for create, live and at the expected
 * version for update), which the transaction plan checks at the coordinator.
 */
export class WriteSecret {
  constructor(private readonly transactions: SecretTransactions) {}

  create(command: WriteSecretCommand): Promise<WrittenVersion> {
    return this.write('create', command);
  }

  update(command: WriteSecretCommand): Promise<WrittenVersion> {
    return this.write('update', command);
  }

  private async write(op: 'create' | 'update', command: WriteSecretCommand): Promise<WrittenVersion> {
    const split = await this.transactions.split(command.value);
    try {
      return await this.transactions.run<WrittenVersion>({
        intents: [{ name: command.name, op, split, expectedVersion: command.expectedVersion }],
        gatewayTime: command.gatewayTime,
        idempotency: command.idempotency,
        onProblems: ([problem]) => problemError(problem),
        response: ([item]) => ({ name: item.name, version: item.version, validFrom: item.at }),
        finish: (response) => response as unknown as WrittenVersion,
      });
    } finally {
      split.wipe();
    }
  }
}

export function problemError(problem: ItemProblem): Error {
  switch (problem.kind) {
    case 'exists':
      return new SecretAlreadyExistsError(problem.name);
    case 'not-found':
      return new SecretNotFoundError(problem.name);
    case 'version-conflict':
      return new VersionConflictError(problem.name, problem.expectedVersion, problem.currentVersion);
    case 'rejected':
    case 'moved':
      throw new Error(`no single-secret error for a ${problem.kind} item (${problem.name})`);
  }
}
