import { ConfigError, loadConfig, VaultConfig } from '../../src/config/vault-config';
import { K8sObject, Rendering } from './support/helm';

const b64 = (value: string): string => Buffer.from(value, 'base64').toString('utf8');

/**
 * What replica 0 would boot with: the rendered env with $(POD_NAME) filled in, the Secrets
 * the chart generated, and a DATABASE_URL (the pod's command adds its own). TLS off, so
 * that no certificate file has to exist here.
 */
function replicaZeroConfig(r: Rendering): VaultConfig {
  const pod = 'vault-0';
  const env: Record<string, string> = { DATABASE_URL: 'postgresql://vault:p@vault-postgres-0/vault' };
  for (const [name, entry] of r.replicaEnv) {
    if (entry.value !== undefined) env[name] = String(entry.value).split('$(POD_NAME)').join(pod);
    else if (entry.valueFrom.fieldRef?.fieldPath === 'metadata.name') env[name] = pod;
    else if (entry.valueFrom.secretKeyRef) {
      const { name: secret, key } = entry.valueFrom.secretKeyRef as K8sObject;
      env[name] = b64(r.one('Secret', secret).data[key]);
    } else throw new Error(`${name}: no way to fill in ${JSON.stringify(entry.valueFrom)}`);
  }
  return loadConfig(env);
}

describe("the replica's environment", () => {
  it("boots replica 0 under the replica's own configuration check, with the values the chart was given", async () => {
    const r = await Rendering.of({ setJson: ['tls.enabled=false', 'replicas=7', 'threshold=4', 'peerTimeoutMs=1500', 'sweepIntervalMs=20000'] });
    let config: VaultConfig;
    try {
      config = replicaZeroConfig(r);
    } catch (error) {
      throw error instanceof ConfigError ? new Error(`the replica refuses the rendered env: ${error.message}`) : error;
    }
    expect(config.nodeId).toBe('vault-0');
    expect([config.n, config.k, config.m]).toEqual([7, 4, 4]);
    expect([config.port, config.peerPort]).toEqual([8200, 8201]);
    expect([config.peerTimeoutMs, config.lockTtlMs, config.sweepIntervalMs]).toEqual([1500, 10000, 20000]);
  });

  it('renders large numbers in decimal (values files and --set-json give the templates floats)', async () => {
    const r = await Rendering.of({ setJson: ['sweepIntervalMs=3600000', 'repairTriggerBuffer=2000000', 'peerTimeoutMs=60000', 'lockTtlMs=600000'] });
    expect(r.envValue('VAULT_SWEEP_INTERVAL_MS')).toBe('3600000');
    expect(r.envValue('VAULT_REPAIR_TRIGGER_BUFFER')).toBe('2000000');
    expect(r.envValue('VAULT_PEER_TIMEOUT_MS')).toBe('60000');
    expect(r.envValue('VAULT_LOCK_TTL_MS')).toBe('600000');
  });
});
