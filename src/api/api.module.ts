import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { VaultConfig } from '../config';
import { VaultModule } from '../vault/vault.module';
import { AccessGuard } from './access';
import { AuditController } from './audit.controller';
import { AuditGuard } from './audit-trail';
import { EnvController } from './env.controller';
import { RateLimiter } from './rate-limiter';
import { SecretsController } from './secrets.controller';
import { TokensController } from './tokens.controller';

@Module({
  imports: [VaultModule],
  controllers: [SecretsController, EnvController, TokensController, AuditController],
  providers: [
    { provide: RateLimiter, inject: [VaultConfig], useFactory: (config: VaultConfig) => new RateLimiter(config.rateLimit) },
    { provide: APP_GUARD, useClass: AccessGuard },
    // Guards run in this order: the caller may do this, then the change is recorded.
    { provide: APP_GUARD, useClass: AuditGuard },
  ],
  exports: [RateLimiter],
})
export class ApiModule {}
