import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsString } from 'class-validator';

export const ENV_EXAMPLE = 'API_KEY=enc(abc123)\nDB_URL=secret(DB_URL)\n';

@ApiSchema({ name: 'EnvFileRequest' })
export class EnvFileJsonDto {
  @ApiProperty({ description: '.env text', example: ENV_EXAMPLE })
  @IsDefined()
  @IsString()
  content: string;
}

@ApiSchema({ name: 'EnvFileResult' })
export class EnvFileResultDto {
  @ApiProperty({ description: 'The .env text with enc(...) turned into secret(NAME) and secret(...) expanded.', example: 'API_KEY=secret(API_KEY)\nDB_URL=postgres://app:s3cr3t@db/app\n' })
  content: string;

  @ApiProperty({ type: [String], description: 'Secrets created from enc(...) lines.', example: ['API_KEY'] })
  created: string[];

  @ApiProperty({ type: [String], description: 'Secrets whose values were expanded from secret(...) lines.', example: ['DB_URL'] })
  resolved: string[];
}
