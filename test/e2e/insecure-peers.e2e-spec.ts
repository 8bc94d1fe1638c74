import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { ReplicaProcess as ReplicaProcessType } from '../../src/cluster/replica-process';
import { eventually } from '../support/cluster';
import { freePort } from '../support/ports';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ReplicaProcess } = require('../../dist/cluster/replica-process') as typeof import('../../src/cluster/replica-process');

/**
 * Plain HTTP between machines hands every share in a prepare to anyone on the path, so a
 * replica whose peers are off loopback and reached over http:// refuses to boot unless
 * VAULT_ALLOW_INSECURE_PEERS=true says it on purpose, and then warns (src/config/vault-config.ts,
 * checkPeerTransport).
 */
describe('plain-HTTP peers off loopback (one real replica)', () => {
  const databaseUrl = process.env.VAULT_E2E_DATABASE_URL!;
  const schema = `e2e_insecure_${randomBytes(4).toString('hex')}`;
  let logDir: string;
  let port: number;
  const started: ReplicaProcessType[] = [];

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'vault-e2e-insecure-'));
    port = await freePort();
  });
  afterAll(async () => {
    await Promise.all(started.map((r) => r.stop()));
    const pool = new Pool({ connectionString: databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    await rm(logDir, { recursive: true, force: true });
  });

  /** Replica `a` on loopback; `b` at a private address and `c` at a host name, both plain HTTP. */
  const replica = (label: string, extra: Record<string, string>) => {
    const r = new ReplicaProcess({
      id: label,
      port,
      logFile: join(logDir, `${label}.log`),
      env: {
        NODE_ENV: 'test',
        VAULT_NODE_ID: 'a',
        VAULT_PORT: String(port),
        VAULT_PEERS: `a=http://127.0.0.1:${port},b=http://10.255.255.1:8200,c=http://vault-c.example.internal:8200`,
        DATABASE_URL: databaseUrl,
        VAULT_DB_SCHEMA: schema,
        VAULT_PEER_SECRET: randomBytes(32).toString('hex'),
        VAULT_API_TOKEN: randomBytes(24).toString('hex'),
        ...extra,
      },
    });
    started.push(r);
    return r;
  };
  const log = (label: string) => readFile(join(logDir, `${label}.log`), 'utf8').catch(() => '');

  it('refuses to boot without VAULT_ALLOW_INSECURE_PEERS (exit code 2), naming the variable and the peers', async () => {
    const r = replica('refused', {});
    r.start();
    expect(await r.waitExit()).toBe(2);
    await eventually(async () => (await log('refused')).includes('VAULT_ALLOW_INSECURE_PEERS'), 5000);
    const output = await log('refused');
    expect(output).toMatch(/VAULT_ALLOW_INSECURE_PEERS: peers b, c are not on loopback/);
    expect(output).not.toContain('replica listening');
  });

  it('refuses VAULT_ALLOW_INSECURE_PEERS=false just the same', async () => {
    const r = replica('refused-false', { VAULT_ALLOW_INSECURE_PEERS: 'false' });
    r.start();
    expect(await r.waitExit()).toBe(2);
    await eventually(async () => (await log('refused-false')).includes('VAULT_ALLOW_INSECURE_PEERS'), 5000);
  });

  it('starts with VAULT_ALLOW_INSECURE_PEERS=true, and logs a warning', async () => {
    const r = replica('allowed', { VAULT_ALLOW_INSECURE_PEERS: 'true' });
    r.start();
    await r.waitHealthy(60_000);
    await eventually(async () => (await log('allowed')).includes('replica listening'), 10_000);
    const warnings = (await log('allowed'))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((entry) => entry.level === 'warn' && entry.msg.includes('VAULT_ALLOW_INSECURE_PEERS'));
    expect(warnings).toHaveLength(1);
    expect(r.running).toBe(true);
  });
});
