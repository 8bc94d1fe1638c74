/**
 * Domain errors with stable codes. Everything below the API layer throws these; one
 * exception filter maps each code to its HTTP status (see error-status.ts). Messages name
 * secrets and fields, never a secret's value.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'SECRET_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'SECRET_ALREADY_EXISTS'
  | 'WRITE_CONFLICT'
  | 'VERSION_CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'ENV_SECRET_ALREADY_EXISTS'
  | 'ENV_REFERENCE_UNRESOLVED'
  | 'ENV_VALUE_NOT_REPRESENTABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'VOTING_PHASE_FAILED'
  | 'WRITING_PHASE_FAILED'
  | 'INSUFFICIENT_SHARDS'
  | 'DELETE_THRESHOLD_NOT_MET'
  | 'OVERLOADED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR';

export interface ProblemDetail {
  field?: string;
  line?: number;
  name?: string;
  message: string;
}

export class VaultError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields merged into the error body (`details`, `names`, `phase`, ...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends VaultError {
  constructor(details: ProblemDetail[], message = 'The request is invalid.') {
    super('VALIDATION_FAILED', message, { details });
  }
}

export class UnauthenticatedError extends VaultError {
  constructor(message = 'Missing or invalid credentials.') {
    super('UNAUTHENTICATED', message);
  }
}

export class RouteNotFoundError extends VaultError {
  constructor(message = 'No such route.') {
    super('NOT_FOUND', message);
  }
}

export class PayloadTooLargeError extends VaultError {
  constructor(message: string, details: ProblemDetail[] = []) {
    super('PAYLOAD_TOO_LARGE', message, details.length ? { details } : {});
  }
}

export class SecretNotFoundError extends VaultError {
  constructor(name: string) {
    super('SECRET_NOT_FOUND', `Secret '${name}' does not exist.`, { name });
  }
}

export class VersionNotFoundError extends VaultError {
  constructor(name: string, version: number) {
    super('VERSION_NOT_FOUND', `Secret '${name}' has no version ${version}.`, { name, version });
  }
}

export class SecretAlreadyExistsError extends VaultError {
  constructor(name: string) {
    super('SECRET_ALREADY_EXISTS', `Secret '${name}' already exists; use PUT to add a version.`, {
      name,
    });
  }
}

export class WriteConflictError extends VaultError {
  constructor(names: string[]) {
    super(
      'WRITE_CONFLICT',
      `Other writes hold the lock of ${names.map((n) => `'${n}'`).join(', ')}; retry shortly.`,
      { names },
    );
  }
}

export class VersionConflictError extends VaultError {
  constructor(name: string, expectedVersion: number, currentVersion: number) {
    super(
      'VERSION_CONFLICT',
      `Secret '${name}' is at version ${currentVersion}, not the expected ${expectedVersion}.`,
      { name, expectedVersion, currentVersion },
    );
  }
}

export class IdempotencyKeyReusedError extends VaultError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request body.',
    );
  }
}

export class VotingPhaseFailedError extends VaultError {
  constructor(yesVotes: number, required: number) {
    super(
      'VOTING_PHASE_FAILED',
      `Only ${yesVotes} replicas voted yes; ${required} are needed. Nothing was written; safe to retry.`,
      { phase: 'voting', yesVotes, required },
    );
  }
}

export class WritingPhaseFailedError extends VaultError {
  /**
   * The commit was proposed but a quorum did not confirm it in time. `unknown`: it is
   * settled the same way on every replica within about two lock leases, committed or
   * aborted (docs/api.md says how to find out); `aborted`: it was settled as aborted, and
   * nothing was written.
   */
  constructor(outcome: 'unknown' | 'aborted') {
    super(
      'WRITING_PHASE_FAILED',
      outcome === 'aborted'
        ? 'The write was proposed but could not be confirmed by a quorum, and it was aborted: nothing was written; safe to retry.'
        : 'The write was proposed but a quorum did not confirm it in time. It will be committed or aborted, the same on every replica, ' +
            'within about two lock leases: read the secret, or retry with the same Idempotency-Key, to learn which.',
      { phase: 'writing', outcome },
    );
  }
}

export class InsufficientShardsError extends VaultError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('INSUFFICIENT_SHARDS', message, extra);
  }
}

export class DeleteThresholdNotMetError extends VaultError {
  /**
   * In the voting phase nothing was deleted. In the writing phase, `outcome` says what is
   * known: `committed` (the delete was chosen and completes as replicas apply it),
   * `unknown` (settled the same way everywhere soon) or `aborted` (nothing was deleted).
   */
  constructor(phase: 'voting' | 'writing', confirmed: number, destroyThreshold: number, outcome: 'committed' | 'unknown' | 'aborted' = 'committed') {
    const message =
      phase === 'voting'
        ? `Only ${confirmed} replicas could take part in the delete; ${destroyThreshold} must destroy their shares. Nothing was deleted.`
        : outcome === 'committed'
          ? `The delete was decided but only ${confirmed} replicas confirmed destruction in time (${destroyThreshold} needed); the rest destroy their shares when they get the decision.`
          : outcome === 'aborted'
            ? 'The delete could not be confirmed by a quorum and was aborted: nothing was deleted; safe to retry.'
            : 'The delete was proposed but a quorum did not confirm it in time; it is settled the same way on every replica soon: read the secret to learn which.';
    super('DELETE_THRESHOLD_NOT_MET', message, {
      phase,
      shardsDestroyed: phase === 'voting' ? 0 : confirmed,
      destroyThreshold,
      ...(phase === 'writing' ? { outcome } : {}),
    });
  }
}

export class EnvSecretAlreadyExistsError extends VaultError {
  constructor(names: string[], details: ProblemDetail[]) {
    super('ENV_SECRET_ALREADY_EXISTS', `enc(...) names that already exist: ${names.join(', ')}.`, {
      names,
      details,
    });
  }
}

export class EnvReferenceUnresolvedError extends VaultError {
  constructor(names: string[], details: ProblemDetail[]) {
    super('ENV_REFERENCE_UNRESOLVED', `secret(...) names that cannot be resolved: ${names.join(', ')}.`, {
      names,
      details,
    });
  }
}

export class EnvValueNotRepresentableError extends VaultError {
  constructor(names: string[], details: ProblemDetail[]) {
    super(
      'ENV_VALUE_NOT_REPRESENTABLE',
      `These secrets have values that no dotenv quoting reads back exactly: ${names.join(', ')}.`,
      { names, details },
    );
  }
}

/**
 * A documented bound (queued writes, the split queue, ...) is full: nothing was done, and
 * the client may retry after `retryAfterSeconds` (sent as Retry-After).
 */
export class OverloadedError extends VaultError {
  constructor(
    what: string,
    readonly retryAfterSeconds = 1,
  ) {
    super('OVERLOADED', `This replica is at its limit of ${what}; nothing was done. Retry after ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}
