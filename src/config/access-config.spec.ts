import { ConfigError, loadConfig } from './vault-config';

// The variables of tokens, the audit trail, metrics and rate limits (docs/configuration.md).
const BASE = {
  VAULT_NODE_ID: 'n1',
  VAULT_PEERS: 'n1=http://127.0.0.1:8201,n2=http://127.0.0.1:8202,n3=http://127.0.0.1:8203',
  DATABASE_URL: 'postgres://vault@localhost:5432/vault',
  VAULT_PEER_SECRET: 'peer-secret-0123456789-abcdefghijk',
  VAULT_API_TOKEN: 'api-token-0123456789',
};

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('loadConfig: tokens, audit, metrics, rate limits', () => {
  it('has defaults: a 2 s token cache, 90 days of audit, no metrics listener, 100 requests/s with a burst of 200', () => {
    expect(loadConfig(BASE)).toMatchObject({ tokenCacheTtlMs: 2000, auditRetentionDays: 90, metricsPort: null, rateLimit: { perSecond: 100, burst: 200 } });
  });

  it('takes each variable', () => {
    const config = loadConfig({
      ...BASE,
      VAULT_TOKEN_CACHE_TTL_MS: '0',
      VAULT_AUDIT_RETENTION_DAYS: '7',
      VAULT_METRICS_PORT: '9201',
      VAULT_RATE_LIMIT_PER_SECOND: '5',
      VAULT_RATE_LIMIT_BURST: '5',
    });
    expect(config).toMatchObject({ tokenCacheTtlMs: 0, auditRetentionDays: 7, metricsPort: 9201, rateLimit: { perSecond: 5, burst: 5 } });
    expect(loadConfig({ ...BASE, VAULT_RATE_LIMIT_PER_SECOND: '30' }).rateLimit).toEqual({ perSecond: 30, burst: 60 });
    expect(loadConfig({ ...BASE, VAULT_RATE_LIMIT_PER_SECOND: '0' }).rateLimit).toEqual({ perSecond: 0, burst: 0 });
  });

  it('names the variable and the rule it breaks', () => {
    expect(problems({ VAULT_TOKEN_CACHE_TTL_MS: '60001' })).toEqual([expect.stringMatching(/^VAULT_TOKEN_CACHE_TTL_MS: must be an integer from 0 to 60000/)]);
    expect(problems({ VAULT_AUDIT_RETENTION_DAYS: '0' })).toEqual([expect.stringMatching(/^VAULT_AUDIT_RETENTION_DAYS: /)]);
    expect(problems({ VAULT_METRICS_PORT: '8200' })).toEqual([expect.stringMatching(/^VAULT_METRICS_PORT: must differ from VAULT_PORT/)]);
    expect(problems({ VAULT_METRICS_PORT: 'x' })).toEqual([expect.stringMatching(/^VAULT_METRICS_PORT: must be a decimal integer/)]);
    expect(problems({ VAULT_RATE_LIMIT_PER_SECOND: '-1' })).toEqual([expect.stringMatching(/^VAULT_RATE_LIMIT_PER_SECOND: /)]);
    expect(problems({ VAULT_RATE_LIMIT_PER_SECOND: '10', VAULT_RATE_LIMIT_BURST: '0' })).toEqual([expect.stringMatching(/^VAULT_RATE_LIMIT_BURST: must be at least 1/)]);
  });
});
