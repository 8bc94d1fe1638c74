import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { STATUS_BY_CODE } from '../../common/error-status';
import { ErrorCode } from '../../common/errors';

/** Every code the API can answer with, in one place: the status map is exhaustive over ErrorCode. */
export const ERROR_CODES = Object.keys(STATUS_BY_CODE) as ErrorCode[];

@ApiSchema({ name: 'ProblemDetail', description: 'One problem of a VALIDATION_FAILED or .env error.' })
export class ProblemDetailDto {
  @ApiPropertyOptional({ example: 'name', description: 'The body field, path parameter or header at fault.' })
  field?: string;

  @ApiPropertyOptional({ type: 'integer', example: 3, description: '.env errors: the 1-based line.' })
  line?: number;

  @ApiPropertyOptional({ example: 'API_KEY', description: '.env and FORBIDDEN errors: the secret name involved.' })
  name?: string;

  @ApiPropertyOptional({ example: 'read', description: 'FORBIDDEN: the capability lacking on `name`.' })
  capability?: string;

  @ApiProperty({ example: 'name must match ^[A-Za-z_][A-Za-z0-9_.-]{0,127}$' })
  message: string;
}

/**
 * The body of every error answer (built by the exception filter from a domain error). The
 * optional fields are those the errors of docs/api.md add; the code says which are present.
 */
@ApiSchema({ name: 'Error', description: 'Every error answer. Branch on `code`; `message` is for people.' })
export class ErrorDto {
  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status, repeated.' })
  statusCode: number;

  @ApiProperty({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    example: 'SECRET_NOT_FOUND',
    description: 'The contract: clients branch on it. Each code always comes with the same status (docs/api.md).',
  })
  code: ErrorCode;

  @ApiProperty({ example: "Secret 'DB_PASSWORD' does not exist." })
  message: string;

  @ApiProperty({ example: '1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1', description: 'Also sent as the X-Request-Id header.' })
  requestId: string;

  @ApiPropertyOptional({ type: [ProblemDetailDto], description: 'VALIDATION_FAILED, PAYLOAD_TOO_LARGE, .env and FORBIDDEN errors: each problem.' })
  details?: ProblemDetailDto[];

  @ApiPropertyOptional({ example: 'DB_PASSWORD', description: 'The secret concerned (SECRET_NOT_FOUND, VERSION_NOT_FOUND, SECRET_ALREADY_EXISTS, VERSION_CONFLICT, FORBIDDEN).' })
  name?: string;

  @ApiPropertyOptional({
    example: 'read',
    description: 'FORBIDDEN: the first capability the token lacks (on `name`, unless it is env or admin); `details` lists every one lacking.',
  })
  capability?: string;

  @ApiPropertyOptional({ example: '3f2a9c0d41b7e865', description: 'TOKEN_NOT_FOUND: the id asked for.' })
  tokenId?: string;

  @ApiPropertyOptional({
    enum: ['request', 'response'],
    enumName: 'AuditStage',
    description: 'AUDIT_UNAVAILABLE: request, refused before anything was done; response, the work ran and its answer was withheld (a write may have taken effect).',
  })
  stage?: 'request' | 'response';

  @ApiPropertyOptional({ type: [String], description: 'Every offending name, never a value (.env errors, WRITE_CONFLICT).' })
  names?: string[];

  @ApiPropertyOptional({ type: 'integer', description: 'VERSION_NOT_FOUND: the version asked for.' })
  version?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'VERSION_CONFLICT: the expectedVersion sent.' })
  expectedVersion?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'VERSION_CONFLICT: the version that is current.' })
  currentVersion?: number;

  @ApiPropertyOptional({ enum: ['voting', 'writing'], enumName: 'FailedPhase', description: 'VOTING_PHASE_FAILED, WRITING_PHASE_FAILED, DELETE_THRESHOLD_NOT_MET: which phase failed.' })
  phase?: 'voting' | 'writing';

  @ApiPropertyOptional({ type: 'integer', description: 'VOTING_PHASE_FAILED: replicas that voted yes.' })
  yesVotes?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'VOTING_PHASE_FAILED: yes votes needed (m, or n-k+1 for a delete).' })
  required?: number;

  @ApiPropertyOptional({
    enum: ['unknown', 'aborted', 'committed'],
    enumName: 'WriteOutcome',
    description:
      'WRITING_PHASE_FAILED, DELETE_THRESHOLD_NOT_MET in the writing phase: what is known of the outcome. unknown: it is settled the same way on every replica within about two lock leases; aborted: nothing was written; committed (deletes): chosen, and completing.',
  })
  outcome?: 'unknown' | 'aborted' | 'committed';

  @ApiPropertyOptional({ type: 'integer', description: 'DELETE_THRESHOLD_NOT_MET: replicas that confirmed destroying their shares.' })
  shardsDestroyed?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'DELETE_THRESHOLD_NOT_MET: n - k + 1.' })
  destroyThreshold?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'INSUFFICIENT_SHARDS: replicas that answered.' })
  answered?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'INSUFFICIENT_SHARDS: consistent shares found.' })
  shares?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'INSUFFICIENT_SHARDS: replicas on which an unfinished write still held the name.' })
  locked?: number;

  @ApiPropertyOptional({ type: 'integer', isArray: true, description: 'INSUFFICIENT_SHARDS from a version listing: the versions no answering replica holds.' })
  versions?: number[];

  @ApiPropertyOptional({ type: 'integer', description: 'OVERLOADED, RATE_LIMITED: seconds to wait (also the Retry-After header).' })
  retryAfterSeconds?: number;
}
