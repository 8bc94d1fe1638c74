import { DynamicModule, Global, Module } from '@nestjs/common';
import { loadConfig, VaultConfig } from './vault-config';

/**
 * Provides the validated VaultConfig to every module. The config is built by a factory,
 * not eagerly, so that a test can replace it with overrideProvider(VaultConfig) without
 * a valid environment.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env?: Record<string, string | undefined>): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: VaultConfig, useFactory: () => loadConfig(env ?? process.env) }],
      exports: [VaultConfig],
    };
  }
}
