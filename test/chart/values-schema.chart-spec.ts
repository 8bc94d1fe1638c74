import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/vault-config';
import { CHART, helm, REPO, templateText } from './support/helm';

const run = promisify(execFile);

interface Combo {
  replicas: number;
  threshold: number | null;
  writeQuorum: number | null;
  peerTimeoutMs: number;
  lockTtlMs: number;
}
const SCHEMA_REFUSAL = "values don't meet the specifications of the schema";
const dir = join(REPO, '.tmp', 'chart-values');

function valuesFile(name: string, values: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

async function lint(values: Record<string, unknown>, name: string): Promise<{ code: number; output: string }> {
  const result = await helm(['lint', '--strict', CHART, '-f', valuesFile(name, values)]);
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
}

/**
 * The chart schema's verdict on each instance, from Python's jsonschema in the validator's
 * venv: only the given top-level properties' rules, and allOf (the rules between values)
 * when asked.
 */
async function schemaVerdicts(keys: string[], instances: object[], withAllOf: boolean): Promise<boolean[]> {
  const script = [
    'import json, sys',
    'from jsonschema import Draft7Validator',
    `schema = json.load(open(${JSON.stringify(join(CHART, 'values.schema.json'))}))`,
    `keys = json.loads(${JSON.stringify(JSON.stringify(keys))})`,
    "subset = {'$schema': schema['$schema'], 'definitions': schema['definitions'], 'properties': {key: schema['properties'][key] for key in keys}}",
    ...(withAllOf ? ["subset['allOf'] = schema['allOf']"] : []),
    'validator = Draft7Validator(subset)',
    'print(json.dumps([validator.is_valid(c) for c in json.load(sys.stdin)]))',
  ].join('\n');
  const python = join(REPO, '.tools', 'venv', 'bin', 'python');
  return new Promise<boolean[]>((resolve, reject) => {
    const child = execFile(python, ['-c', script], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin!.end(JSON.stringify(instances));
  });
}

/** The replica's verdict (src/config) on a valid base env of three replicas, plus or over it these variables. */
function replicaAccepts(variables: Record<string, string>): boolean {
  const env = {
    VAULT_NODE_ID: 'r0',
    VAULT_PEERS: 'r0=http://127.0.0.1:9000,r1=http://127.0.0.1:9001,r2=http://127.0.0.1:9002',
    DATABASE_URL: 'postgres://u:p@localhost/db',
    VAULT_PEER_SECRET: 'p'.repeat(32),
    VAULT_API_TOKEN: 't'.repeat(16),
    ...variables,
  };
  try {
    loadConfig(env);
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return false;
  }
}

describe('values.schema.json', () => {
  it('is up to date with its generator (scripts/chart-values-schema.js)', async () => {
    await expect(run(process.execPath, [join(REPO, 'scripts', 'chart-values-schema.js'), '--check'])).resolves.toBeDefined();
  });

  // What the replica refuses at boot, refused by `helm lint` through the schema itself.
  it.each([
    ['k > n', { replicas: 3, threshold: 4 }, 'threshold'],
    ['k < 2', { threshold: 1 }, 'threshold'],
    ['m <= n/2', { replicas: 5, writeQuorum: 2 }, 'writeQuorum'],
    ['m <= n/2 with even n', { replicas: 4, threshold: 2, writeQuorum: 2 }, 'writeQuorum'],
    ['m > n', { replicas: 3, writeQuorum: 4 }, 'writeQuorum'],
    ['m < k', { replicas: 7, threshold: 5, writeQuorum: 4 }, 'writeQuorum'],
    ['m < the default k (n=3, k=3)', { replicas: 3, writeQuorum: 2 }, 'writeQuorum'],
    ['n < 2', { replicas: 1, threshold: 2 }, 'replicas'],
    ['a peer timeout below the replica minimum', { peerTimeoutMs: 10 }, 'peerTimeoutMs'],
    ['a lock TTL above the replica maximum', { lockTtlMs: 600001 }, 'lockTtlMs'],
    ['a peer timeout above a third of the lock TTL', { peerTimeoutMs: 4000, lockTtlMs: 10000 }, 'lockTtlMs'],
    ['a lock TTL below 3 x the peer timeout', { peerTimeoutMs: 2000, lockTtlMs: 5950 }, 'lockTtlMs'],
    ['a peer timeout off the 50 ms steps', { peerTimeoutMs: 2010 }, 'peerTimeoutMs'],
    ['an unknown database mode', { postgres: { mode: 'sqlite' } }, 'mode'],
    ['an unknown log level', { logLevel: 'verbose' }, 'logLevel'],
    ['a negative rate limit', { rateLimit: { perSecond: -1 } }, 'perSecond'],
    ['a rate limit above the replica maximum', { rateLimit: { perSecond: 1000001 } }, 'perSecond'],
    ['a fractional rate limit', { rateLimit: { perSecond: 2.5 } }, 'perSecond'],
    ['a burst of 0 under a rate limit', { rateLimit: { perSecond: 10, burst: 0 } }, 'burst'],
    ['a negative burst', { rateLimit: { perSecond: 0, burst: -1 } }, 'burst'],
    ['a burst above the replica maximum', { rateLimit: { perSecond: 10, burst: 2000001 } }, 'burst'],
    ['a negative token cache TTL', { tokenCacheTtlMs: -1 }, 'tokenCacheTtlMs'],
    ['a token cache TTL above a minute', { tokenCacheTtlMs: 60001 }, 'tokenCacheTtlMs'],
    ['an audit retention of 0 days', { auditRetentionDays: 0 }, 'auditRetentionDays'],
    ['an audit retention above 100 years', { auditRetentionDays: 36501 }, 'auditRetentionDays'],
    ['a metrics port of 0', { metrics: { port: 0 } }, 'port'],
    ['a metrics port above 65535', { metrics: { port: 65536 } }, 'port'],
    ['a ServiceMonitor without the metrics listener', { metrics: { enabled: false, serviceMonitor: { enabled: true } } }, 'enabled'],
    ['a scrape interval that is no Prometheus duration', { metrics: { serviceMonitor: { enabled: true, interval: '30 seconds' } } }, 'interval'],
    ['a PrometheusRule without the metrics listener', { metrics: { enabled: false, prometheusRule: { enabled: true } } }, 'enabled'],
    ['an alert label that is not a string', { metrics: { prometheusRule: { enabled: true, alertLabels: { page: true } } } }, 'page'],
  ])('refuses %s', async (name, values, field) => {
    const result = await lint(values, name.replace(/\W+/g, '-'));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(SCHEMA_REFUSAL);
    // The error is at the value's own path ("at '/rateLimit/burst': ..."), not a refusal of an unknown key.
    expect(result.output).toContain(`/${field}'`);
  });

  it('refuses a misspelt value', async () => {
    const result = await lint({ replica: 3 }, 'a-misspelt-value');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(SCHEMA_REFUSAL);
    expect(result.output).toContain("additional properties 'replica' not allowed");
  });

  it('accepts the smallest and a large valid cluster, and the bounds of the access settings', async () => {
    const valid: Array<Record<string, unknown>> = [
      { replicas: 2 },
      { replicas: 3, threshold: 2, writeQuorum: 2 },
      { replicas: 9, threshold: 5, writeQuorum: 5 },
      { peerTimeoutMs: 3000, lockTtlMs: 9000 },
      { peerTimeoutMs: 50, lockTtlMs: 500 },
      { tokenCacheTtlMs: 0, auditRetentionDays: 1, rateLimit: { perSecond: 0, burst: 0 } },
      { tokenCacheTtlMs: 60000, auditRetentionDays: 36500, rateLimit: { perSecond: 1000000, burst: 2000000 } },
      { rateLimit: { perSecond: 5, burst: 1 } },
    ];
    for (const [i, values] of valid.entries()) {
      const result = await lint(values, `valid-${i}`);
      expect([values, result.output]).toEqual([values, expect.stringContaining('0 chart(s) failed')]);
    }
  });

  it('agrees with the replica on every (n, k, m) up to n = 9, and on peer timeouts and lock TTLs', async () => {
    // Every combination, judged by the chart's schema (Python's jsonschema, from the validator's
    // venv) and by the replica's own loadConfig (src/config): they must agree. The rule
    // "lockTtlMs >= 3 x peerTimeoutMs" is the replica's documented contract (a lock TTL below
    // it would make participants give up on live coordinators), written out here because
    // loadConfig does not check it yet (helm/vault/README.md, "What the chart checks").
    const combos: Combo[] = [];
    for (let n = 2; n <= 9; n++) {
      const values = [null, ...Array.from({ length: n + 2 }, (_, i) => i)]; // null (the default), 0..n+1
      for (const k of values) {
        for (const m of values) combos.push({ replicas: n, threshold: k, writeQuorum: m, peerTimeoutMs: 2000, lockTtlMs: 10000 });
      }
    }
    // Peer timeouts (in the chart's 50 ms steps) around a third of lock TTLs, from the smallest to the largest.
    for (const lockTtlMs of [499, 500, 501, 599, 600, 601, 5999, 6000, 6001, 9999, 10000, 10050, 179999, 180000, 600000, 600001]) {
      for (let peerTimeoutMs = Math.floor(lockTtlMs / 3 / 50) * 50 - 100; peerTimeoutMs <= lockTtlMs / 3 + 150; peerTimeoutMs += 50) {
        if (peerTimeoutMs > 0) combos.push({ replicas: 5, threshold: null, writeQuorum: null, peerTimeoutMs, lockTtlMs });
      }
    }
    const verdicts = await schemaVerdicts(['replicas', 'threshold', 'writeQuorum', 'peerTimeoutMs', 'lockTtlMs'], combos, true);
    const disagreements: string[] = [];
    combos.forEach((combo, i) => {
      const ids = Array.from({ length: combo.replicas }, (_, j) => `r${j}`);
      const replica =
        combo.lockTtlMs >= 3 * combo.peerTimeoutMs &&
        replicaAccepts({
          VAULT_PEERS: ids.map((id, j) => `${id}=http://127.0.0.1:${9000 + j}`).join(','),
          ...(combo.threshold === null ? {} : { VAULT_THRESHOLD: String(combo.threshold) }),
          ...(combo.writeQuorum === null ? {} : { VAULT_WRITE_QUORUM: String(combo.writeQuorum) }),
          VAULT_PEER_TIMEOUT_MS: String(combo.peerTimeoutMs),
          VAULT_LOCK_TTL_MS: String(combo.lockTtlMs),
        });
      if (replica !== verdicts[i]) disagreements.push(`${JSON.stringify(combo)}: replica ${replica}, schema ${verdicts[i]}`);
    });
    expect(disagreements).toEqual([]);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(50);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(50);
  });

  it('agrees with the replica on token cache TTLs, audit retentions, rate limits and bursts around their bounds', async () => {
    type Access = { tokenCacheTtlMs: number; auditRetentionDays: number; rateLimit: { perSecond: number; burst: number | null } };
    const around = (...bounds: number[]): number[] => [...new Set(bounds.flatMap((b) => [b - 1, b, b + 1]))];
    const cases: Access[] = [];
    for (const tokenCacheTtlMs of around(0, 60000)) cases.push({ tokenCacheTtlMs, auditRetentionDays: 90, rateLimit: { perSecond: 100, burst: null } });
    for (const auditRetentionDays of around(1, 36500)) cases.push({ tokenCacheTtlMs: 2000, auditRetentionDays, rateLimit: { perSecond: 100, burst: null } });
    for (const perSecond of around(0, 1, 1000000)) {
      for (const burst of [null, ...around(0, 1, 2000000)]) cases.push({ tokenCacheTtlMs: 2000, auditRetentionDays: 90, rateLimit: { perSecond, burst } });
    }
    const verdicts = await schemaVerdicts(['tokenCacheTtlMs', 'auditRetentionDays', 'rateLimit'], cases, false);
    const disagreements = cases.flatMap((c, i) => {
      const replica = replicaAccepts({
        VAULT_TOKEN_CACHE_TTL_MS: String(c.tokenCacheTtlMs),
        VAULT_AUDIT_RETENTION_DAYS: String(c.auditRetentionDays),
        VAULT_RATE_LIMIT_PER_SECOND: String(c.rateLimit.perSecond),
        // The chart leaves the variable unset for a null burst (templates/statefulset.yaml).
        ...(c.rateLimit.burst === null ? {} : { VAULT_RATE_LIMIT_BURST: String(c.rateLimit.burst) }),
      });
      return replica === verdicts[i] ? [] : [`${JSON.stringify(c)}: replica ${replica}, schema ${verdicts[i]}`];
    });
    expect(disagreements).toEqual([]);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(20);
  });
});

// `helm lint` reports a template's fail as information only; install, upgrade and template refuse.
describe('the rules the templates check', () => {
  it('refuses external databases that are not one per replica', async () => {
    const values = { replicas: 3, postgres: { mode: 'external', external: { databaseUrls: [{ secretName: 'db', secretKey: 'url' }] } } };
    await expect(templateText({ valuesFiles: [valuesFile('external-short', values)] })).rejects.toThrow(
      'postgres.external.databaseUrls: needs exactly one entry per replica, in ordinal order (got 1 for replicas=3)',
    );
  });

  it('refuses both tls.existingSecret and tls.certManager, and equal client and peer ports', async () => {
    await expect(templateText({ setJson: ['tls.existingSecret="s"', 'tls.certManager.issuerRef.name="i"'] })).rejects.toThrow(
      'set either tls.existingSecret or tls.certManager.issuerRef, not both',
    );
    await expect(templateText({ setJson: ['ports.peer=8200'] })).rejects.toThrow('client and peer must differ');
  });

  it.each([
    [['replicas=3', 'threshold=4'], 'threshold: must satisfy 2 <= k <= n (got k=4 with replicas=3)'],
    [['replicas=5', 'writeQuorum=2'], 'writeQuorum: must satisfy k <= m <= n and m > n/2 (got m=2 with replicas=5, k=3)'],
    [['peerTimeoutMs=4000'], 'lockTtlMs: must be at least 3 x peerTimeoutMs (got lockTtlMs=10000, peerTimeoutMs=4000)'],
    [['rateLimit.burst=0'], 'rateLimit.burst: must be at least 1 while rateLimit.perSecond is above 0 (got burst=0, perSecond=100)'],
  ])('refuses %j again when schema validation is skipped', async (setJson, message) => {
    await expect(templateText({ setJson, extraArgs: ['--skip-schema-validation'] })).rejects.toThrow(message);
  });
});
