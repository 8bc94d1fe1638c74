import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString } from 'class-validator';

export class EnvFileJsonDto {
  @ApiProperty({ description: '.env text', example: 'API_KEY=enc(abc123)\nDB_URL=secret(DB_URL)\n' })
  @IsDefined()
  @IsString()
  content: string;
}

export class EnvFileResultDto {
  @ApiProperty({ description: 'The .env text with enc(...) turned into secret(NAME) and secret(...) expanded.' })
  content: string;

  @ApiProperty({ type: [String], description: 'Secrets created from enc(...) lines.' })
  created: string[];

  @ApiProperty({ type: [String], description: 'Secrets whose values were expanded from secret(...) lines.' })
  resolved: string[];
}
