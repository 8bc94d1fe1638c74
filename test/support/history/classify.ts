import { OperationInput, OperationOutput } from './types';

/** What an error answer said, from the HTTP body or the domain error. */
export interface ErrorAnswer {
  code?: string;
  phase?: string;
  outcome?: string;
  currentVersion?: number;
  /** No answer at all: connection refused before sending (definitely not received) or lost after. */
  transport?: 'refused' | 'lost';
}

/**
 * What an error proves about a write or a read (docs/api.md, "What each failure means").
 * Anything not known to have done nothing is unknown.
 */
export function classifyError(input: OperationInput, error: ErrorAnswer): OperationOutput {
  const write = input.kind === 'create' || input.kind === 'update' || input.kind === 'delete';
  if (error.transport === 'refused') return { result: 'no-effect' };
  if (error.transport === 'lost') return { result: write ? 'unknown' : 'no-effect' };
  switch (error.code) {
    case 'SECRET_ALREADY_EXISTS':
      return { result: 'exists' };
    case 'SECRET_NOT_FOUND':
      return { result: 'not-found' };
    case 'VERSION_NOT_FOUND':
      return { result: 'version-not-found' };
    case 'VERSION_CONFLICT':
      return { result: 'version-conflict', current: error.currentVersion };
    case 'WRITE_CONFLICT':
    case 'VOTING_PHASE_FAILED':
    case 'OVERLOADED':
    case 'VALIDATION_FAILED':
    case 'PAYLOAD_TOO_LARGE':
    case 'IDEMPOTENCY_KEY_REUSED':
      return { result: 'no-effect' };
    case 'INSUFFICIENT_SHARDS':
      return { result: write ? 'unknown' : 'no-effect' };
    case 'WRITING_PHASE_FAILED':
      return { result: error.outcome === 'aborted' ? 'no-effect' : 'unknown' };
    case 'DELETE_THRESHOLD_NOT_MET':
      if (error.phase === 'voting' || error.outcome === 'aborted') return { result: 'no-effect' };
      return { result: error.outcome === 'committed' ? 'ok' : 'unknown' };
    default:
      return { result: write ? 'unknown' : 'no-effect' };
  }
}
