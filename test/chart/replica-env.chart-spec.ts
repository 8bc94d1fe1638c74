import { ConfigError, loadConfig, VaultConfig } from '../../src/config/vault-config';
import { b64, K8sObject, Rendering } from './support/helm';

/**
 * What replica 0 would boot with: the rendered env with $(POD_NAME) filled in, the Secrets
 * the chart generated, and a DATABASE_URL (the pod's command adds its own). Render with TLS
 * off, so that no certificate file has to exist here.
 */
function replicaZeroEnv(r: Rendering): Record<string, string> {
  const pod = 'vault-0';
  const env: Record<string, string> = { DATABASE_URL: 'postgresql://vault:p@vault-postgres-0/vault' };
  for (const [name, entry] of r.replicaEnv) {
    if (entry.value !== undefined) env[name] = String(entry.value).split('$(POD_NAME)').join(pod);
    else if (entry.valueFrom.fieldRef?.fieldPath === 'metadata.name') env[name] = pod;
    else if (entry.valueFrom.secretKeyRef) {
      const { name: secret, key, optional } = entry.valueFrom.secretKeyRef as K8sObject;
      const data = r.one('Secret', secret).data[key];
      // As the kubelet does: an optional key the Secret lacks leaves the variable unset.
      if (data === undefined && optional === true) continue;
      env[name] = b64(data);
    } else throw new Error(`${name}: no way to fill in ${JSON.stringify(entry.valueFrom)}`);
  }
  return env;
}

/** loadConfig of that env, its ConfigError turned into a message that says so. */
function replicaZeroConfig(r: Rendering): VaultConfig {
  try {
    return loadConfig(replicaZeroEnv(r));
  } catch (error) {
    throw error instanceof ConfigError ? new Error(`the replica refuses the rendered env: ${error.message}`) : error;
  }
}

describe("the replica's environment", () => {
  it("boots replica 0 under the replica's own configuration check, with the values the chart was given", async () => {
    const r = await Rendering.of({ setJson: ['tls.enabled=false', 'replicas=7', 'threshold=4', 'peerTimeoutMs=1500', 'sweepIntervalMs=20000'] });
    const config = replicaZeroConfig(r);
    expect(config.nodeId).toBe('vault-0');
    expect([config.n, config.k, config.m]).toEqual([7, 4, 4]);
    expect([config.port, config.peerPort, config.metricsPort]).toEqual([8200, 8201, 9464]);
    expect([config.peerTimeoutMs, config.lockTtlMs, config.sweepIntervalMs]).toEqual([1500, 10000, 20000]);
  });

  it('takes a second peer secret from the credentials only while the key is there (a change of the peer secret)', async () => {
    const r = await Rendering.of({ setJson: ['tls.enabled=false'] });
    expect(replicaZeroConfig(r).peerSecretAccepted).toBeNull();
    const credentials = r.one('Secret', 'vault-credentials');
    const second = 'a-second-peer-secret-of-enough-length';
    credentials.data['peer-secret-accepted'] = Buffer.from(second).toString('base64');
    expect(replicaZeroConfig(r)).toMatchObject({ peerSecret: b64(credentials.data['peer-secret']), peerSecretAccepted: second });
  });

  it("passes tokens', audit and rate-limit settings (issue 14) to every replica", async () => {
    const r = await Rendering.of({
      setJson: ['tls.enabled=false', 'tokenCacheTtlMs=0', 'auditRetentionDays=7', 'rateLimit={"perSecond":1000000,"burst":2000000}'],
    });
    expect(r.envValue('VAULT_TOKEN_CACHE_TTL_MS')).toBe('0');
    expect(r.envValue('VAULT_AUDIT_RETENTION_DAYS')).toBe('7');
    expect(r.envValue('VAULT_RATE_LIMIT_PER_SECOND')).toBe('1000000');
    expect(r.envValue('VAULT_RATE_LIMIT_BURST')).toBe('2000000');
    expect(replicaZeroConfig(r)).toMatchObject({ tokenCacheTtlMs: 0, auditRetentionDays: 7, rateLimit: { perSecond: 1000000, burst: 2000000 } });
  });

  it("defaults to the replica's own defaults, and leaves the burst to the replica unless it is set", async () => {
    const r = await Rendering.of({ setJson: ['tls.enabled=false'] });
    expect(r.replicaEnv.has('VAULT_RATE_LIMIT_BURST')).toBe(false);
    const env = replicaZeroEnv(r);
    const access = /^VAULT_(TOKEN_CACHE_TTL_MS|AUDIT_RETENTION_DAYS|RATE_LIMIT_)/;
    expect(Object.keys(env).filter((name) => access.test(name)).sort()).toEqual(['VAULT_AUDIT_RETENTION_DAYS', 'VAULT_RATE_LIMIT_PER_SECOND', 'VAULT_TOKEN_CACHE_TTL_MS']);
    const chartDefaults = loadConfig(env);
    const replicaDefaults = loadConfig(Object.fromEntries(Object.entries(env).filter(([name]) => !access.test(name))));
    expect(chartDefaults.tokenCacheTtlMs).toBe(replicaDefaults.tokenCacheTtlMs);
    expect(chartDefaults.auditRetentionDays).toBe(replicaDefaults.auditRetentionDays);
    expect(chartDefaults.rateLimit).toEqual(replicaDefaults.rateLimit);
    const halfRate = await Rendering.of({ setJson: ['tls.enabled=false', 'rateLimit.perSecond=30'] });
    expect(replicaZeroConfig(halfRate).rateLimit).toEqual({ perSecond: 30, burst: 60 });
  });

  it('renders large numbers in decimal (values files and --set-json give the templates floats)', async () => {
    const r = await Rendering.of({ setJson: ['sweepIntervalMs=3600000', 'repairTriggerBuffer=2000000', 'peerTimeoutMs=60000', 'lockTtlMs=600000'] });
    expect(r.envValue('VAULT_SWEEP_INTERVAL_MS')).toBe('3600000');
    expect(r.envValue('VAULT_REPAIR_TRIGGER_BUFFER')).toBe('2000000');
    expect(r.envValue('VAULT_PEER_TIMEOUT_MS')).toBe('60000');
    expect(r.envValue('VAULT_LOCK_TTL_MS')).toBe('600000');
  });
});
