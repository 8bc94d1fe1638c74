import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ApiModule } from './api/api.module';
import { vaultValidationPipe } from './api/validation';
import { JsonLogger } from './common/json-logger';
import { VaultExceptionFilter } from './common/vault-exception.filter';
import { ConfigModule, VaultConfig } from './config';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';

/** The structured logger, built from the config, available everywhere. */
@Global()
@Module({
  providers: [{ provide: JsonLogger, inject: [VaultConfig], useFactory: (c: VaultConfig) => new JsonLogger(c.nodeId, c.logLevel) }],
  exports: [JsonLogger],
})
class LoggingModule {}

@Module({})
export class AppModule {
  static forRoot(env?: Record<string, string | undefined>): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(env), LoggingModule, ApiModule, HealthModule, MetricsModule],
      providers: [
        { provide: APP_PIPE, useFactory: vaultValidationPipe },
        { provide: APP_FILTER, useClass: VaultExceptionFilter },
      ],
    };
  }
}
