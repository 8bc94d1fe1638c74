import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsNotReservedName, IsWellFormedText, MAX_VALUE_BYTES, MAX_VERSION, MaxUtf8Bytes, SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './validators';

// Schema names are what SDK users type (`CreateSecretRequest`, `SecretValue`), so they drop
// the class suffix. Integers are `integer` (not `number`) so that typed clients get ints.

const ISO_TIME = { type: String, format: 'date-time', description: 'ISO 8601 UTC with milliseconds.' } as const;
const VALUE_RULE = `UTF-8 text, 0 to ${MAX_VALUE_BYTES} bytes (more is 413 PAYLOAD_TOO_LARGE).`;

@ApiSchema({ name: 'CreateSecretRequest' })
export class CreateSecretDto {
  @ApiProperty({ example: 'DB_PASSWORD', pattern: SECRET_NAME_PATTERN.source, maxLength: 128 })
  @IsDefined()
  @IsString()
  @Matches(SECRET_NAME_PATTERN, { message: SECRET_NAME_RULE })
  @IsNotReservedName()
  name: string;

  @ApiProperty({ description: VALUE_RULE, example: 's3cr3t' })
  @IsDefined()
  @IsString()
  @IsWellFormedText()
  @MaxUtf8Bytes(MAX_VALUE_BYTES)
  value: string;
}

@ApiSchema({ name: 'UpdateSecretRequest' })
export class UpdateSecretDto {
  @ApiProperty({ description: VALUE_RULE, example: 'n3w-s3cr3t' })
  @IsDefined()
  @IsString()
  @IsWellFormedText()
  @MaxUtf8Bytes(MAX_VALUE_BYTES)
  value: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_VERSION,
    description: 'Only write if this is still the current version (else 409 VERSION_CONFLICT).',
    example: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  expectedVersion?: number;
}

@ApiSchema({ name: 'WrittenVersion' })
export class WrittenVersionDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ type: 'integer', example: 1 })
  version: number;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  validFrom: string;
}

@ApiSchema({ name: 'SecretValue' })
export class SecretValueDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ type: 'integer', example: 2 })
  version: number;

  @ApiProperty({ example: 's3cr3t' })
  value: string;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  validFrom: string;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: null, description: 'The next version\'s validFrom, or null for the current version.' })
  validTo: string | null;
}

@ApiSchema({ name: 'SecretVersion' })
export class VersionEntryDto {
  @ApiProperty({ type: 'integer', example: 1 })
  version: number;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T17:40:17.123Z' })
  validFrom: string;

  @ApiProperty({ ...ISO_TIME, nullable: true, example: '2026-11-26T17:45:00.000Z', description: 'The next version\'s validFrom, or null for the current version.' })
  validTo: string | null;
}

@ApiSchema({ name: 'SecretVersions' })
export class SecretVersionsDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ type: [VersionEntryDto], description: 'Oldest first; each validTo is the next validFrom; the last is null.' })
  versions: VersionEntryDto[];
}

@ApiSchema({ name: 'DeletedSecret' })
export class DeletedSecretDto {
  @ApiProperty({ example: 'DB_PASSWORD' })
  name: string;

  @ApiProperty({ example: true, description: 'Always true.' })
  deleted: true;

  @ApiProperty({ ...ISO_TIME, example: '2026-11-26T18:00:00.000Z', description: 'Also the last version\'s validTo.' })
  deletedAt: string;

  @ApiProperty({ type: 'integer', example: 5, description: 'Replicas that confirmed destroying their shares.' })
  shardsDestroyed: number;

  @ApiProperty({ type: 'integer', example: 3, description: 'n - k + 1: confirmations needed so that fewer than k shares survive.' })
  destroyThreshold: number;
}
