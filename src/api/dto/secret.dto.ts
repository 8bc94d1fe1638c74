import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsWellFormedText, MAX_VALUE_BYTES, MaxUtf8Bytes, SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './validators';

export class CreateSecretDto {
  @ApiProperty({ example: 'DB_PASSWORD', pattern: SECRET_NAME_PATTERN.source })
  @IsDefined()
  @IsString()
  @Matches(SECRET_NAME_PATTERN, { message: SECRET_NAME_RULE })
  name: string;

  @ApiProperty({ description: `UTF-8 text, 0 to ${MAX_VALUE_BYTES} bytes (more is 413).`, example: 's3cr3t' })
  @IsDefined()
  @IsString()
  @IsWellFormedText()
  @MaxUtf8Bytes(MAX_VALUE_BYTES)
  value: string;
}

export class UpdateSecretDto {
  @ApiProperty({ description: `UTF-8 text, 0 to ${MAX_VALUE_BYTES} bytes (more is 413).`, example: 'n3w-s3cr3t' })
  @IsDefined()
  @IsString()
  @IsWellFormedText()
  @MaxUtf8Bytes(MAX_VALUE_BYTES)
  value: string;

  @ApiPropertyOptional({ description: 'Only write if this is still the current version (else 409 VERSION_CONFLICT).', example: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion?: number;
}

export class WrittenVersionDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ example: '2026-11-26T17:40:17.123Z', description: 'ISO 8601 UTC with milliseconds.' })
  validFrom: string;
}

export class SecretValueDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ example: 2 })
  version: number;

  @ApiProperty({ example: 's3cr3t' })
  value: string;

  @ApiProperty({ example: '2026-11-26T17:40:17.123Z' })
  validFrom: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'null for the current version.' })
  validTo: string | null;
}

export class VersionEntryDto {
  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ example: '2026-11-26T17:40:17.123Z' })
  validFrom: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-26T17:45:00.000Z' })
  validTo: string | null;
}

export class SecretVersionsDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ type: [VersionEntryDto], description: 'Oldest first; each validTo is the next validFrom; the last is null.' })
  versions: VersionEntryDto[];
}

export class DeletedSecretDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ example: true })
  deleted: true;

  @ApiProperty({ example: '2026-11-26T18:00:00.000Z', description: 'Also the last version\'s validTo.' })
  deletedAt: string;

  @ApiProperty({ example: 5, description: 'Replicas that confirmed destroying their shares.' })
  shardsDestroyed: number;

  @ApiProperty({ example: 3, description: 'n - k + 1: confirmations needed so that fewer than k shares survive.' })
  destroyThreshold: number;
}

export class ErrorDto {
  @ApiProperty({ example: 404 })
  statusCode: number;

  @ApiProperty({ example: 'SECRET_NOT_FOUND', description: 'The contract: clients branch on it.' })
  code: string;

  @ApiProperty({ example: "Secret 'DB_PASSWORD' does not exist." })
  message: string;

  @ApiProperty({ example: '1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1' })
  requestId: string;

  @ApiPropertyOptional({ description: 'VALIDATION_FAILED: each problem, with its field or .env line.', type: 'array', items: { type: 'object' } })
  details?: unknown[];

  @ApiPropertyOptional({ description: '.env errors: every offending name (never a value).', type: [String] })
  names?: string[];

  @ApiPropertyOptional({ description: 'VOTING_PHASE_FAILED / WRITING_PHASE_FAILED: which phase failed.', enum: ['voting', 'writing'] })
  phase?: string;
}
