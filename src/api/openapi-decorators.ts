import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiExtraModels, ApiHeaderOptions, ApiParamOptions, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ContentObject, HeadersObject } from '@nestjs/swagger';
import { STATUS_BY_CODE } from '../common/error-status';
import {
  AuditUnavailableError,
  DeleteThresholdNotMetError,
  EnvReferenceUnresolvedError,
  EnvSecretAlreadyExistsError,
  EnvValueNotRepresentableError,
  ErrorCode,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InsufficientShardsError,
  OverloadedError,
  PayloadTooLargeError,
  RateLimitedError,
  SecretAlreadyExistsError,
  SecretNotFoundError,
  TokenNotFoundError,
  UnauthenticatedError,
  ValidationFailedError,
  VaultError,
  VersionConflictError,
  VersionNotFoundError,
  VotingPhaseFailedError,
  WriteConflictError,
  WritingPhaseFailedError,
} from '../common/errors';
import { ErrorDto } from './dto/error.dto';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './dto/validators';
import { IDEMPOTENCY_KEY_PATTERN } from './params';

/** Headers every /v1 answer carries, success or error (docs/api.md, "Response headers"). */
export const V1_RESPONSE_HEADERS: HeadersObject = {
  'Cache-Control': {
    description: 'Always `no-store`: answers may hold secret values, and no browser, proxy or CDN may keep them. No ETag is ever sent.',
    schema: { type: 'string', enum: ['no-store'] },
  },
  'X-Request-Id': {
    description: 'The request id (the client\'s own X-Request-Id if it sent one), also in error bodies.',
    schema: { type: 'string' },
  },
};

/**
 * One example body per code, built from the domain errors themselves so that the examples
 * say what the exception filter really sends. The Record makes it exhaustive over ErrorCode.
 */
const EXAMPLE_ERRORS: Record<ErrorCode, VaultError> = {
  VALIDATION_FAILED: new ValidationFailedError([{ field: 'name', message: SECRET_NAME_RULE }]),
  UNAUTHENTICATED: new UnauthenticatedError('Missing or invalid bearer token.'),
  NOT_FOUND: new VaultError('NOT_FOUND', 'No such route.'),
  SECRET_NOT_FOUND: new SecretNotFoundError('DB_PASSWORD'),
  VERSION_NOT_FOUND: new VersionNotFoundError('DB_PASSWORD', 7),
  SECRET_ALREADY_EXISTS: new SecretAlreadyExistsError('DB_PASSWORD'),
  WRITE_CONFLICT: new WriteConflictError(['DB_PASSWORD']),
  VERSION_CONFLICT: new VersionConflictError('DB_PASSWORD', 1, 2),
  PAYLOAD_TOO_LARGE: new PayloadTooLargeError('A value is larger than 65536 bytes.', [{ field: 'value', message: 'value must be at most 65536 bytes of UTF-8' }]),
  ENV_SECRET_ALREADY_EXISTS: new EnvSecretAlreadyExistsError(['API_KEY'], [{ line: 1, name: 'API_KEY', message: 'secret API_KEY already exists' }]),
  ENV_REFERENCE_UNRESOLVED: new EnvReferenceUnresolvedError(['DB_URL'], [{ line: 2, name: 'DB_URL', message: 'secret DB_URL cannot be resolved' }]),
  ENV_VALUE_NOT_REPRESENTABLE: new EnvValueNotRepresentableError(['CERT'], [
    { line: 3, name: 'CERT', message: 'the value of CERT cannot be written so that dotenv reads it back exactly' },
  ]),
  IDEMPOTENCY_KEY_REUSED: new IdempotencyKeyReusedError(),
  VOTING_PHASE_FAILED: new VotingPhaseFailedError(2, 3),
  WRITING_PHASE_FAILED: new WritingPhaseFailedError('unknown'),
  INSUFFICIENT_SHARDS: new InsufficientShardsError('Only 2 replicas answered; 3 are needed to know the latest state.', { answered: 2 }),
  DELETE_THRESHOLD_NOT_MET: new DeleteThresholdNotMetError('voting', 2, 3),
  OVERLOADED: new OverloadedError('queued writes'),
  FORBIDDEN: new ForbiddenError([{ capability: 'read', name: 'DB_PASSWORD' }]),
  RATE_LIMITED: new RateLimitedError(1),
  TOKEN_NOT_FOUND: new TokenNotFoundError('3f2a9c0d41b7e865'),
  AUDIT_UNAVAILABLE: new AuditUnavailableError('request'),
  INTERNAL_ERROR: new VaultError('INTERNAL_ERROR', 'Internal error.'),
};

function exampleBody(code: ErrorCode): Record<string, unknown> {
  const error = EXAMPLE_ERRORS[code];
  return { statusCode: STATUS_BY_CODE[code], code, message: error.message, requestId: '1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1', ...error.extra };
}

/**
 * Documents the error answers a route can give: one response per status, whose description
 * lists its codes and whose examples show one body per code. Codes map to statuses through
 * the same table as the exception filter.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(STATUS_BY_CODE[code], [...(byStatus.get(STATUS_BY_CODE[code]) ?? []), code]);
  const responses = [...byStatus].map(([status, group]) =>
    ApiResponse({
      status,
      description: `Error; \`code\` is ${group.map((c) => `\`${c}\``).join(' or ')}.`,
      headers: V1_RESPONSE_HEADERS,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorDto) },
          examples: Object.fromEntries(group.map((code) => [code, { summary: code, value: exampleBody(code) }])),
        },
      },
    }),
  );
  return applyDecorators(ApiExtraModels(ErrorDto), ...responses);
}

/**
 * What any route behind a token can answer besides its own errors (docs/security.md): no or
 * a bad token, a capability lacking, the token's rate limit, the audit trail unwritable,
 * and a token that cannot be checked because too few replicas answer.
 */
export const ACCESS_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'AUDIT_UNAVAILABLE', 'INSUFFICIENT_SHARDS'];

/** Marks the request body's media types exactly (buildOpenApiDocument applies it; see there). */
export const REQUEST_CONTENT_EXTENSION = 'x-request-content';
export function ApiRequestContent(content: ContentObject): MethodDecorator {
  return ApiExtension(REQUEST_CONTENT_EXTENSION, content) as MethodDecorator;
}

export const SECRET_NAME_PARAM: ApiParamOptions = {
  name: 'name',
  description: 'The secret\'s name.',
  schema: { type: 'string', pattern: SECRET_NAME_PATTERN.source, maxLength: 128 },
  example: 'DB_PASSWORD',
};

export function idempotencyKeyHeader(description: string): ApiHeaderOptions {
  return { name: 'Idempotency-Key', required: false, description, schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source } };
}
