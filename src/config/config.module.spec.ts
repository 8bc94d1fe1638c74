import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from './config.module';
import { ConfigError, VaultConfig } from './vault-config';

const validEnv = {
  VAULT_NODE_ID: 'a',
  VAULT_PEERS: 'a=http://127.0.0.1:8201,b=http://127.0.0.1:8202',
  DATABASE_URL: 'postgres://localhost/vault',
  VAULT_PEER_SECRET: 'x'.repeat(40),
  VAULT_API_TOKEN: 'y'.repeat(20),
};

/** A consumer in a module that does not import ConfigModule: it gets the config because it is global. */
@Injectable()
class NeedsConfig {
  constructor(readonly config: VaultConfig) {}
}

@Module({ providers: [NeedsConfig], exports: [NeedsConfig] })
class ConsumerModule {}

describe('ConfigModule', () => {
  it('provides the validated config to every module, injected by its class', async () => {
    const app = await Test.createTestingModule({ imports: [ConfigModule.forRoot(validEnv), ConsumerModule] }).compile();
    const config = app.get(NeedsConfig).config;
    expect(config).toBeInstanceOf(VaultConfig);
    expect(config).toMatchObject({ nodeId: 'a', n: 2, k: 2, m: 2 });
    expect(app.get(VaultConfig)).toBe(config);
  });

  it('stops the boot with a ConfigError on a bad environment', async () => {
    const compiling = Test.createTestingModule({ imports: [ConfigModule.forRoot({ ...validEnv, VAULT_PORT: 'http' })] }).compile();
    await expect(compiling).rejects.toThrow(ConfigError);
  });

  it('lets a test replace the config without a valid environment', async () => {
    const replacement = { nodeId: 'fake' } as VaultConfig;
    const app = await Test.createTestingModule({ imports: [ConfigModule.forRoot({}), ConsumerModule] })
      .overrideProvider(VaultConfig)
      .useValue(replacement)
      .compile();
    expect(app.get(NeedsConfig).config).toBe(replacement);
  });
});
