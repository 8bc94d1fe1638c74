import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CAPABILITIES, Capability, MAX_PATTERNS, MAX_RULES, NAME_PATTERN_PATTERN, NAME_PATTERN_RULE } from '../../vault/tokens/policy';
import { TOKEN_NAME_PATTERN, TOKEN_NAME_RULE } from '../../vault/tokens/token-record';

const ISO_TIME = { type: String, format: 'date-time', description: 'ISO 8601 UTC with milliseconds.' } as const;
/** Ten years. */
export const MAX_TTL_SECONDS = 315_360_000;

@ApiSchema({ name: 'PolicyRule', description: 'Grants (allow) or refuses (deny) capabilities on the names matching any of `names`. Deny wins. See docs/security.md.' })
export class PolicyRuleDto {
  @ApiProperty({ enum: ['allow', 'deny'], enumName: 'PolicyEffect', example: 'allow' })
  @IsDefined()
  @IsIn(['allow', 'deny'])
  effect: 'allow' | 'deny';

  @ApiProperty({
    enum: CAPABILITIES,
    enumName: 'Capability',
    isArray: true,
    description:
      'read: GET a secret; list: its history; write: create and update; delete; env: POST /v1/env (which also needs read on each secret(...) name and write on each enc(...) name); admin: /v1/tokens and /v1/audit. env and admin are not scoped by name.',
    example: ['read', 'list'],
  })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities: Capability[];

  @ApiProperty({
    type: [String],
    description: `Name patterns: exact names, or with * matching any run of characters (app1.* , DB_*, *). ${NAME_PATTERN_RULE}.`,
    example: ['app1.*', 'DB_PASSWORD'],
  })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @Matches(NAME_PATTERN_PATTERN, { each: true, message: NAME_PATTERN_RULE })
  names: string[];
}

@ApiSchema({ name: 'TokenRateLimit', description: 'This token\'s own limit on each replica, instead of VAULT_RATE_LIMIT_PER_SECOND and _BURST.' })
export class TokenRateLimitDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000_000, example: 20, description: 'Requests per second, on average.' })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  perSecond: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 2_000_000, example: 40, description: 'Requests at once after a quiet spell.' })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(2_000_000)
  burst: number;
}

@ApiSchema({ name: 'CreateTokenRequest' })
export class CreateTokenDto {
  @ApiProperty({ example: 'ci-app1', pattern: TOKEN_NAME_PATTERN.source, description: 'What the token is for; shown in listings and the audit trail.' })
  @IsDefined()
  @IsString()
  @Matches(TOKEN_NAME_PATTERN, { message: TOKEN_NAME_RULE })
  name: string;

  @ApiProperty({ type: [PolicyRuleDto], description: `At most ${MAX_RULES} rules and ${MAX_PATTERNS} name patterns in all. No rule: the token may do nothing but GET /status.` })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(MAX_RULES)
  @ValidateNested({ each: true })
  @Type(() => PolicyRuleDto)
  rules: PolicyRuleDto[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS, example: 86400, description: 'The token expires this many seconds after its creation; never when absent.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  ttlSeconds?: number;

  @ApiPropertyOptional({ type: TokenRateLimitDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TokenRateLimitDto)
  rateLimit?: TokenRateLimitDto;
}

@ApiSchema({ name: 'CreatedToken' })
export class CreatedTokenDto {
  @ApiProperty({ example: '3f2a9c0d41b7e865', description: 'The token\'s id: in listings, the audit trail, and /v1/tokens/{id}.' })
  id: string;

  @ApiProperty({ example: 'ci-app1' })
  name: string;

  @ApiPropertyOptional({
    example: 'vt_3f2a9c0d41b7e865_q3Jw9yqX1m0c0W2fV8lJm8r2mJc8Zy8pQvD8QnJ0X8Y',
    description:
      'The token, shown this once: the vault keeps only a keyed hash of it. Absent when an Idempotency-Key retry replays the first answer (the token cannot be shown again: revoke it and create another if it was lost).',
  })
  token?: string;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  createdAt: string;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: '2026-11-27T17:40:17.123Z', description: 'null: never expires.' })
  expiresAt: string | null;
}

@ApiSchema({ name: 'TokenSummary' })
export class TokenSummaryDto {
  @ApiProperty({ example: '3f2a9c0d41b7e865' })
  id: string;

  @ApiProperty({ example: 'ci-app1' })
  name: string;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  createdAt: string;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: null })
  expiresAt: string | null;

  @ApiProperty({ example: false, description: 'Past expiresAt: refused (401), listed until the next create or revoke.' })
  expired: boolean;
}

@ApiSchema({ name: 'TokenList' })
export class TokenListDto {
  @ApiProperty({ type: [TokenSummaryDto], description: 'Every token not revoked, oldest first.' })
  tokens: TokenSummaryDto[];
}

@ApiSchema({ name: 'TokenCreator' })
export class TokenCreatorDto {
  @ApiProperty({ example: 'bootstrap', description: 'The creating token\'s id (`bootstrap` for VAULT_API_TOKEN).' })
  id: string;

  @ApiProperty({ example: 'bootstrap' })
  name: string;
}

@ApiSchema({ name: 'Token', description: 'A token\'s record: never the token, nor its hash.' })
export class TokenDto {
  @ApiProperty({ example: '3f2a9c0d41b7e865' })
  id: string;

  @ApiProperty({ example: 'ci-app1' })
  name: string;

  @ApiProperty({ type: [PolicyRuleDto] })
  rules: PolicyRuleDto[];

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  createdAt: string;

  @ApiProperty({ type: TokenCreatorDto })
  createdBy: TokenCreatorDto;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: null })
  expiresAt: string | null;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: null, description: 'When it was revoked; null while it is not.' })
  revokedAt: string | null;

  @ApiPropertyOptional({ type: TokenRateLimitDto, description: 'The token\'s own rate limit; absent: the replicas\' default.' })
  rateLimit?: TokenRateLimitDto;

  @ApiProperty({ example: false })
  expired: boolean;

  @ApiProperty({ example: false })
  revoked: boolean;
}
