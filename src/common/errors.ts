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
  | 'TOKEN_NOT_FOUND'
  | 'AUDIT_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export interface ProblemDetail {
  field?: string;
  line?: number;
  name?: string;
  /** FORBIDDEN: the capability lacking on `name`. */
  capability?: string;
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

/**
 * The token is valid but its policy does not grant `capability` on `name` (docs/security.md).
 * `lacking` lists every capability and name the request needed and lacked (a `.env` file
 * can lack several); the first is also given as `capability` and `name`. Names only, never
 * a value.
 */
export class ForbiddenError extends VaultError {
  constructor(lacking: Array<{ capability: string; name?: string }>) {
    const [first] = lacking;
    const what = (l: { capability: string; name?: string }) => (l.name === undefined ? l.capability : `${l.capability} on '${l.name}'`);
    super(
      'FORBIDDEN',
      lacking.length === 1 ? `This token lacks ${what(first)}.` : `This token lacks ${lacking.length} capabilities: ${lacking.map(what).join(', ')}.`,
      {
        capability: first.capability,
        ...(first.name !== undefined ? { name: first.name } : {}),
        details: lacking.map((l) => ({ capability: l.capability, ...(l.name !== undefined ? { name: l.name } : {}), message: `lacks ${what(l)}` })),
      },
    );
  }
}

/** The token's rate limit on this replica is spent; `retryAfterSeconds` is sent as Retry-After. */
export class RateLimitedError extends VaultError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests for this token; retry after ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}

export class TokenNotFoundError extends VaultError {
  constructor(id: string) {
    super('TOKEN_NOT_FOUND', `No token has the id '${id}'.`, { tokenId: id });
  }
}

/**
 * The audit record of a request could not be written, so the request is refused
 * (docs/security.md, "Audit"). `stage: "request"`: refused before any work, nothing was done.
 * `stage: "response"`: the work ran and its answer was withheld; a write may have taken
 * effect (read it, or retry with the same Idempotency-Key).
 */
export class AuditUnavailableError extends VaultError {
  constructor(stage: 'request' | 'response') {
    super(
      'AUDIT_UNAVAILABLE',
      stage === 'request'
        ? 'The audit trail cannot be written, so the request was refused before anything was done; retry later.'
        : 'The audit trail cannot be written, so the answer was withheld. A write may have taken effect: read it, or retry with the same Idempotency-Key.',
      { stage },
    );
  }
}
