import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Response } from 'express';
import { ValidationFailedError } from '../common/errors';
import { ApplyEnvFile } from '../vault/env/apply-env-file';
import { ENV_EXAMPLE, EnvFileJsonDto, EnvFileResultDto } from './dto/env.dto';
import { Principal } from '../vault/tokens/token-authenticator';
import { AuditNote, AuditTrail, CurrentPrincipal, Requires } from './access';
import { ACCESS_ERRORS, ApiErrors, ApiRequestContent, idempotencyKeyHeader, V1_RESPONSE_HEADERS } from './openapi-decorators';
import { GatewayTime, IdempotencyKey } from './params';

@ApiTags('env')
@ApiBearerAuth()
@ApiExtraModels(EnvFileJsonDto, EnvFileResultDto)
@Controller('v1/env')
export class EnvController {
  constructor(private readonly applyEnv: ApplyEnvFile) {}

  @Post()
  @Requires('env')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Expand secret(NAME) references and turn enc(VALUE) lines into new secrets, all or nothing',
    description:
      'Send .env text as text/plain (answered as text/plain) or {"content"} as JSON (answered as JSON). ' +
      'Errors are JSON either way. See docs/env.md.',
  })
  @ApiRequestContent({
    'application/json': { schema: { $ref: getSchemaPath(EnvFileJsonDto) } },
    'text/plain': { schema: { type: 'string', description: '.env text' }, example: ENV_EXAMPLE },
  })
  @ApiHeader(idempotencyKeyHeader('A retry with the same key and body re-resolves secret(...) lines and does not create the enc(...) secrets again.'))
  @ApiOkResponse({
    description: 'The same media type as the request: the .env text alone for text/plain, the content with the names created and resolved for JSON.',
    headers: V1_RESPONSE_HEADERS,
    content: {
      'application/json': { schema: { $ref: getSchemaPath(EnvFileResultDto) } },
      'text/plain': { schema: { type: 'string', description: 'The resulting .env text.' } },
    },
  })
  @ApiErrors(
    ...ACCESS_ERRORS,
    'VALIDATION_FAILED',
    'WRITE_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'ENV_SECRET_ALREADY_EXISTS',
    'ENV_REFERENCE_UNRESOLVED',
    'ENV_VALUE_NOT_REPRESENTABLE',
    'IDEMPOTENCY_KEY_REUSED',
    'VOTING_PHASE_FAILED',
    'WRITING_PHASE_FAILED',
    'INSUFFICIENT_SHARDS',
  )
  async applyEnvFile(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
    @AuditTrail() audit: AuditNote,
  ): Promise<EnvFileResultDto | string> {
    const asText = (contentType ?? '').toLowerCase().startsWith('text/plain');
    const content = asText ? textContent(body) : jsonContent(body);
    const result = await this.applyEnv.apply({
      content,
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: 'POST /v1/env', body: { content } } : undefined,
      // Every secret(...) name needs read, every enc(...) name write: all checked before any work.
      authorize: ({ read, write }) =>
        principal.policy.require([...read.map((name) => ({ capability: 'read' as const, name })), ...write.map((name) => ({ capability: 'write' as const, name }))]),
    });
    audit.names = [...new Set([...result.created, ...result.resolved])];
    if (asText) {
      response.type('text/plain; charset=utf-8');
      return result.content;
    }
    return result;
  }
}

function textContent(body: unknown): string {
  if (typeof body !== 'string') throw new ValidationFailedError([{ field: 'body', message: 'a text/plain body must be .env text' }]);
  return body;
}

function jsonContent(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailedError([{ field: 'body', message: 'send .env text as text/plain, or {"content": "..."} as application/json' }]);
  }
  const dto = plainToInstance(EnvFileJsonDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new ValidationFailedError(
      errors.flatMap((e) => Object.values(e.constraints ?? {}).map((message) => ({ field: e.property, message: message.replace(/^property /, '') }))),
    );
  }
  return dto.content;
}
