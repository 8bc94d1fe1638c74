import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const ISO_TIME = { type: String, format: 'date-time', description: 'ISO 8601 UTC with milliseconds.' } as const;
export const MAX_AUDIT_PAGE = 1000;

/** GET /v1/audit's query: every filter optional; records match all those given. */
export class AuditQueryDto {
  @ApiPropertyOptional({ ...ISO_TIME, description: 'Records at or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ ...ISO_TIME, description: 'Records before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ example: '3f2a9c0d41b7e865', description: 'Requests made with this token id (`bootstrap` for VAULT_API_TOKEN).' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-z]{1,32}$/, { message: 'tokenId must be a token id' })
  tokenId?: string;

  @ApiPropertyOptional({ example: 'DB_PASSWORD', description: 'Requests about this secret (or naming it in a .env file).' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, { message: 'name must be a secret name' })
  name?: string;

  @ApiPropertyOptional({ type: 'integer', example: 403, description: 'Answers with this HTTP status.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({ enum: ['success', 'client-error', 'server-error'], enumName: 'AuditOutcome', description: '2xx, 4xx or 5xx answers.' })
  @IsOptional()
  @IsIn(['success', 'client-error', 'server-error'])
  outcome?: 'success' | 'client-error' | 'server-error';

  @ApiPropertyOptional({ enum: ['request', 'response'], enumName: 'AuditStage', description: 'Only records of this stage.' })
  @IsOptional()
  @IsIn(['request', 'response'])
  stage?: 'request' | 'response';

  @ApiPropertyOptional({ example: '1042', description: 'The previous page\'s nextCursor: records after it.' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9]{1,19}$/, { message: 'cursor must be a nextCursor' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, example: 100, description: 'Records per page (default 100).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  limit?: number;
}

@ApiSchema({ name: 'AuditRecord', description: 'One stage of one request on this replica. Never a value or a token.' })
export class AuditRecordDto {
  @ApiProperty({ example: '1042', description: 'Increasing on this replica, in the order records were written.' })
  id: string;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  time: string;

  @ApiProperty({ enum: ['request', 'response'], enumName: 'AuditStage', description: 'request: written before a change was attempted; response: before the answer was sent.' })
  stage: 'request' | 'response';

  @ApiProperty({ example: '1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1', description: 'The X-Request-Id of the request.' })
  requestId: string;

  @ApiProperty({ type: String, nullable: true, example: '3f2a9c0d41b7e865', description: 'null: no valid token (a 401).' })
  tokenId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'ci-app1' })
  tokenName: string | null;

  @ApiProperty({ example: 'GET /v1/secrets/{name}', description: 'The route, or the method and path of a request that matched none.' })
  operation: string;

  @ApiProperty({ type: String, nullable: true, example: 'DB_PASSWORD', description: 'The secret (or, for /v1/tokens/{id}, `_vault.token.<id>`).' })
  name: string | null;

  @ApiProperty({ type: [String], nullable: true, example: null, description: '.env requests: the names created and resolved.' })
  names: string[] | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 3, description: 'The version read or written, or asked for.' })
  version: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 200, description: 'The HTTP status answered (null on request records).' })
  status: number | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'The error code answered, if any.' })
  code: string | null;

  @ApiProperty({ type: String, nullable: true, example: '10.0.3.17', description: 'The address of the connection (proxies are not trusted).' })
  clientAddress: string | null;

  @ApiProperty({ type: 'number', nullable: true, example: 4.2, description: 'Milliseconds from receipt to the answer (response records).' })
  durationMs: number | null;
}

@ApiSchema({ name: 'AuditPage' })
export class AuditPageDto {
  @ApiProperty({ type: [AuditRecordDto], description: 'Oldest first.' })
  records: AuditRecordDto[];

  @ApiProperty({ type: String, nullable: true, example: '1042', description: 'Pass as `cursor` for the next page; null on the last page.' })
  nextCursor: string | null;
}
