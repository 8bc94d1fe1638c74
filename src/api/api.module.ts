import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { VaultConfig } from '../config';
import { VaultModule } from '../vault/vault.module';
import { AccessGuard } from './access';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit-trail';
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
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [RateLimiter],
})
export class ApiModule {}
