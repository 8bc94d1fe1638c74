import { Module } from '@nestjs/common';
import { VaultModule } from '../vault/vault.module';
import { EnvController } from './env.controller';
import { SecretsController } from './secrets.controller';

@Module({
  imports: [VaultModule],
  controllers: [SecretsController, EnvController],
})
export class ApiModule {}
