import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ValidationFailedError } from '../common/errors';
import { ruleProblems } from '../vault/tokens/policy';
import { Principal } from '../vault/tokens/token-authenticator';
import { tokenRecordName } from '../vault/tokens/token-format';
import { TokenRecord } from '../vault/tokens/token-record';
import { TokenStore } from '../vault/tokens/token-store';
import { AuditNote, AuditTrail, CurrentPrincipal, Requires } from './access';
import { CreatedTokenDto, CreateTokenDto, TokenDto, TokenListDto } from './dto/token.dto';
import { ACCESS_ERRORS, ApiErrors, idempotencyKeyHeader, V1_RESPONSE_HEADERS } from './openapi-decorators';
import { GatewayTime, IdempotencyKey, TokenIdPipe } from './params';
import { iso, isoOrNull } from './time';

const TOKEN_ID_PARAM = { name: 'id', description: 'The token\'s id (its second part: vt_<id>_...).', schema: { type: 'string' as const, pattern: '^[0-9a-f]{16}$' }, example: '3f2a9c0d41b7e865' };

/**
 * Tokens with policies (docs/security.md), for tokens granted `admin`. A token is shown once,
 * at creation; the vault keeps a digest of it in a record replicated like any secret.
 */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly tokens: TokenStore) {}

  @Post()
  @Requires('admin')
  @ApiOperation({
    summary: 'Create a token with a policy; the answer shows the token, once',
    description: 'Usable on every replica as soon as this answers. See docs/security.md for the rules and their patterns.',
  })
  @ApiHeader(
    idempotencyKeyHeader(
      'A retry with the same key and body creates nothing new and answers the same id, without the token (it is shown only once).',
    ),
  )
  @ApiCreatedResponse({ type: CreatedTokenDto, description: 'The token\'s record was written on at least m replicas.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED', 'WRITE_CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'VOTING_PHASE_FAILED', 'WRITING_PHASE_FAILED')
  async createToken(
    @Body() body: CreateTokenDto,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @AuditTrail() audit: AuditNote,
  ): Promise<CreatedTokenDto> {
    const rules = body.rules.map((r) => ({ effect: r.effect, capabilities: [...r.capabilities], names: [...r.names] }));
    const problems = ruleProblems(rules);
    if (problems.length > 0) throw new ValidationFailedError(problems);
    const created = await this.tokens.create({
      name: body.name,
      rules,
      ttlSeconds: body.ttlSeconds,
      rateLimit: body.rateLimit ? { perSecond: body.rateLimit.perSecond, burst: body.rateLimit.burst } : undefined,
      createdBy: { id: principal.tokenId, name: principal.tokenName },
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: 'POST /v1/tokens', body } : undefined,
    });
    audit.name = tokenRecordName(created.id);
    return {
      id: created.id,
      name: created.name,
      ...(created.token !== undefined ? { token: created.token } : {}),
      createdAt: iso(created.createdAt),
      expiresAt: isoOrNull(created.expiresAt),
    };
  }

  @Get()
  @Requires('admin')
  @ApiOperation({ summary: 'List the tokens that are not revoked (never the tokens themselves)' })
  @ApiOkResponse({ type: TokenListDto, headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS)
  async listTokens(): Promise<TokenListDto> {
    const now = Date.now();
    const tokens = await this.tokens.list();
    return {
      tokens: tokens.map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: iso(t.createdAt),
        expiresAt: isoOrNull(t.expiresAt),
        expired: t.expiresAt !== null && t.expiresAt <= now,
      })),
    };
  }

  @Get(':id')
  @Requires('admin')
  @ApiOperation({ summary: 'Inspect a token: its name, policy, expiry and whether it was revoked' })
  @ApiParam(TOKEN_ID_PARAM)
  @ApiOkResponse({ type: TokenDto, headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED', 'TOKEN_NOT_FOUND')
  async getToken(@Param('id', TokenIdPipe) id: string, @AuditTrail() audit: AuditNote): Promise<TokenDto> {
    audit.name = tokenRecordName(id);
    return tokenDto(await this.tokens.get(id));
  }

  @Delete(':id')
  @Requires('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke a token: refused on every replica before this answers',
    description:
      'Answers once every replica would refuse the token (after VAULT_TOKEN_CACHE_TTL_MS, 2 s by default). Revoking a revoked token answers the same record.',
  })
  @ApiParam(TOKEN_ID_PARAM)
  @ApiHeader(idempotencyKeyHeader('A retry with the same key answers the same revocation.'))
  @ApiOkResponse({ type: TokenDto, description: 'The revoked token\'s record.', headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED', 'TOKEN_NOT_FOUND', 'WRITE_CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'VOTING_PHASE_FAILED', 'WRITING_PHASE_FAILED')
  async revokeToken(
    @Param('id', TokenIdPipe) id: string,
    @GatewayTime() gatewayTime: number,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @AuditTrail() audit: AuditNote,
  ): Promise<TokenDto> {
    audit.name = tokenRecordName(id);
    const revoked = await this.tokens.revoke(id, {
      gatewayTime,
      idempotency: idempotencyKey ? { key: idempotencyKey, scope: `DELETE /v1/tokens/${id}`, body: {} } : undefined,
    });
    return tokenDto(revoked);
  }
}


function tokenDto(record: TokenRecord): TokenDto {
  return {
    id: record.id,
    name: record.name,
    rules: record.rules.map((r) => ({ effect: r.effect, capabilities: [...r.capabilities], names: [...r.names] })),
    createdAt: iso(record.createdAt),
    createdBy: { ...record.createdBy },
    expiresAt: isoOrNull(record.expiresAt),
    revokedAt: isoOrNull(record.revokedAt),
    ...(record.rateLimit ? { rateLimit: { ...record.rateLimit } } : {}),
    expired: record.expiresAt !== null && record.expiresAt <= Date.now(),
    revoked: record.revokedAt !== null,
  };
}
