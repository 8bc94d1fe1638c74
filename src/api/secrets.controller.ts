import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DeleteSecret } from '../vault/secrets/delete-secret';
import { SecretReader } from '../vault/secrets/secret-reader';
import { WriteSecret } from '../vault/secrets/write-secret';
import {
  CreateSecretDto,
  DeletedSecretDto,
  SecretValueDto,
  SecretVersionsDto,
  UpdateSecretDto,
  WrittenVersionDto,
} from './dto/secret.dto';
import { MAX_VERSION } from './dto/validators';
import { AuditNote, AuditTrail, Requires } from './access';
import { ACCESS_ERRORS, ApiErrors, idempotencyKeyHeader, SECRET_NAME_PARAM, V1_RESPONSE_HEADERS } from './openapi-decorators';
import { GatewayTime, IdempotencyKey, OptionalVersionPipe, SecretNamePipe } from './params';
import { iso, isoOrNull } from './time';

const IDEMPOTENCY_HEADER = idempotencyKeyHeader(
  'Retries with the same key and body, on any replica, return the first successful answer and write nothing new; ' +
    'the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.',
);

@ApiTags('secrets')
@ApiBearerAuth()
@Controller('v1/secrets')
export class SecretsController {
  constructor(
    private readonly writer: WriteSecret,
    private readonly reader: SecretReader,
    private readonly deleter: DeleteSecret,
  ) {}

  @Post()
  @Requires('write', 'body')
  @ApiOperation({ summary: 'Create a secret (version 1 of a name that does not exist)' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({
    type: WrittenVersionDto,
    description: 'Version 1 was written on at least m replicas.',
    headers: { ...V1_RESPONSE_HEADERS, Location: { description: '/v1/secrets/{name}', schema: { type: 'string' } } },
  })
  @ApiErrors(
    ...ACCESS_ERRORS,
    'VALIDATION_FAILED',
    'SECRET_ALREADY_EXISTS',
    'WRITE_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'IDEMPOTENCY_KEY_REUSED',
    'VOTING_PHASE_FAILED',
    'WRITING_PHASE_FAILED',
  )
  async createSecret(
    @Body() body: CreateSecretDto,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
    @AuditTrail() audit: AuditNote,
  ): Promise<WrittenVersionDto> {
    const written = await this.writer.create({
      name: body.name,
      value: body.value,
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: 'POST /v1/secrets', body } : undefined,
    });
    audit.version = written.version;
    response.setHeader('Location', `/v1/secrets/${encodeURIComponent(written.name)}`);
    return { name: written.name, version: written.version, validFrom: iso(written.validFrom) };
  }

  @Put(':name')
  @Requires('write', 'param')
  @ApiOperation({ summary: 'Update a secret (add version v+1 to a name that exists)' })
  @ApiParam(SECRET_NAME_PARAM)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: WrittenVersionDto, description: 'Version v+1 was written on at least m replicas.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(
    ...ACCESS_ERRORS,
    'VALIDATION_FAILED',
    'SECRET_NOT_FOUND',
    'VERSION_CONFLICT',
    'WRITE_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'IDEMPOTENCY_KEY_REUSED',
    'VOTING_PHASE_FAILED',
    'WRITING_PHASE_FAILED',
  )
  async updateSecret(
    @Param('name', SecretNamePipe) name: string,
    @Body() body: UpdateSecretDto,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @AuditTrail() audit: AuditNote,
  ): Promise<WrittenVersionDto> {
    const written = await this.writer.update({
      name,
      value: body.value,
      expectedVersion: body.expectedVersion,
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: `PUT /v1/secrets/${name}`, body } : undefined,
    });
    audit.version = written.version;
    return { name: written.name, version: written.version, validFrom: iso(written.validFrom) };
  }

  @Get(':name')
  @Requires('read', 'param')
  @ApiOperation({ summary: 'Read the latest version of a secret, or ?version=N' })
  @ApiParam(SECRET_NAME_PARAM)
  @ApiQuery({
    name: 'version',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_VERSION },
    description: 'A committed version of the current lifetime; the latest when absent.',
  })
  @ApiOkResponse({ type: SecretValueDto, description: 'The value, reconstructed from k shares of one split.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED', 'SECRET_NOT_FOUND', 'VERSION_NOT_FOUND', 'INSUFFICIENT_SHARDS')
  async getSecret(
    @Param('name', SecretNamePipe) name: string,
    @Query('version', OptionalVersionPipe) version: number | undefined,
    @AuditTrail() audit: AuditNote,
  ): Promise<SecretValueDto> {
    const found = await this.reader.read(name, version);
    audit.version = found.version;
    return { name: found.name, version: found.version, value: found.value, validFrom: iso(found.validFrom), validTo: isoOrNull(found.validTo) };
  }

  @Get(':name/versions')
  @Requires('list', 'param')
  @ApiOperation({ summary: 'List the versions of a secret with their validity intervals (no values)' })
  @ApiParam(SECRET_NAME_PARAM)
  @ApiOkResponse({ type: SecretVersionsDto, description: 'Every version of the current lifetime, oldest first.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED', 'SECRET_NOT_FOUND', 'INSUFFICIENT_SHARDS')
  async listSecretVersions(@Param('name', SecretNamePipe) name: string): Promise<SecretVersionsDto> {
    const history = await this.reader.history(name);
    return {
      name: history.name,
      versions: history.versions.map((v) => ({ version: v.version, validFrom: iso(v.validFrom), validTo: isoOrNull(v.validTo) })),
    };
  }

  @Delete(':name')
  @Requires('delete', 'param')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a secret: destroy enough shares of every version that nothing can be reconstructed' })
  @ApiParam(SECRET_NAME_PARAM)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: DeletedSecretDto, description: 'At least n-k+1 replicas destroyed their shares of every version.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(
    ...ACCESS_ERRORS,
    'VALIDATION_FAILED',
    'SECRET_NOT_FOUND',
    'WRITE_CONFLICT',
    'IDEMPOTENCY_KEY_REUSED',
    'DELETE_THRESHOLD_NOT_MET',
    'VOTING_PHASE_FAILED',
  )
  async deleteSecret(
    @Param('name', SecretNamePipe) name: string,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<DeletedSecretDto> {
    const deleted = await this.deleter.delete({
      name,
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: `DELETE /v1/secrets/${name}`, body: {} } : undefined,
    });
    return { ...deleted, deletedAt: iso(deleted.deletedAt) };
  }
}
