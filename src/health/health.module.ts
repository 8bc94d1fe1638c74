import { Module } from '@nestjs/common';
import { CoordinationModule } from '../coordination/coordination.module';
import { VaultModule } from '../vault/vault.module';
import { HealthController } from './health.controller';

@Module({
  imports: [VaultModule, CoordinationModule],
  controllers: [HealthController],
})
export class HealthModule {}
