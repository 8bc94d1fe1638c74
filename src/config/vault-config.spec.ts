import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createTestCa, IssuedCertificate } from '../../test/support/tls';
import { ConfigError, loadConfig, VaultConfig, verifiedPeerSecrets } from './vault-config';

const PEER_SECRET = 'peer-secret-0123456789-abcdefghijk'; // 34 characters
const API_TOKEN = 'api-token-0123456789'; // 20 characters

function peersOf(n: number, port = 8201): string {
  return Array.from({ length: n }, (_, i) => `n${i + 1}=http://127.0.0.1:${port + i}`).join(',');
}

/** A valid environment for a cluster of n replicas, with the given variables replaced. */
function envWith(overrides: Record<string, string | undefined> = {}, n = 5): Record<string, string | undefined> {
  return {
    VAULT_NODE_ID: 'n1',
    VAULT_PEERS: peersOf(n),
    DATABASE_URL: 'postgres://vault:hunter2-db-password@localhost:5432/vault',
    VAULT_PEER_SECRET: PEER_SECRET,
    VAULT_API_TOKEN: API_TOKEN,
    ...overrides,
  };
}

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The environment fails with exactly one problem, on `variable`, whose text matches `rule`. */
function expectRejected(env: Record<string, string | undefined>, variable: string, rule: string | RegExp): string {
  const problems = problemsOf(env);
  expect(problems).toHaveLength(1);
  expect(problems[0].startsWith(`${variable}: `)).toBe(true);
  expect(problems[0]).toMatch(rule);
  return problems[0];
}

describe('loadConfig', () => {
  it('builds the whole configuration from the required variables, with the documented defaults (docs/configuration.md)', () => {
    const config = loadConfig(envWith());
    expect(config).toBeInstanceOf(VaultConfig);
    expect({ ...config }).toEqual({
      nodeId: 'n1',
      port: 8200,
      peers: Array.from({ length: 5 }, (_, i) => ({ id: `n${i + 1}`, url: `http://127.0.0.1:${8201 + i}` })),
      n: 5,
      k: 3,
      m: 3,
      b: 1,
      databaseUrl: 'postgres://vault:hunter2-db-password@localhost:5432/vault',
      dbSchema: 'vault_n1',
      peerSecret: PEER_SECRET,
      peerSecretAccepted: null,
      apiToken: API_TOKEN,
      peerTimeoutMs: 2000,
      lockTtlMs: 10_000,
      peerPort: null,
      tls: null,
      tlsReloadSeconds: 60,
      allowInsecurePeers: false,
      sweepIntervalMs: 5000,
      deleteThreshold: 3,
      nodeEnv: 'production',
      faultPoint: null,
      testBug: null,
      logLevel: 'info',
      cpuProfileDir: null,
      tokenCacheTtlMs: 2000,
      auditRetentionDays: 90,
      metricsPort: null,
      rateLimit: { perSecond: 100, burst: 200 },
      self: { id: 'n1', url: 'http://127.0.0.1:8201' },
    });
  });

  it('takes every optional variable when given', () => {
    const config = loadConfig(
      envWith(
        {
          VAULT_NODE_ID: 'n2',
          VAULT_PORT: '9000',
          VAULT_THRESHOLD: '2',
          VAULT_WRITE_QUORUM: '3',
          VAULT_REPAIR_TRIGGER_BUFFER: '0',
          VAULT_DB_SCHEMA: 'custom_schema',
          VAULT_PEER_TIMEOUT_MS: '1500',
          VAULT_LOCK_TTL_MS: '4500',
          VAULT_PEER_PORT: '9001',
          VAULT_ALLOW_INSECURE_PEERS: 'true',
          VAULT_SWEEP_INTERVAL_MS: '500',
          NODE_ENV: 'test',
          VAULT_FAULT_POINT: 'after-chosen',
          VAULT_LOG_LEVEL: 'debug',
        },
        4,
      ),
    );
    expect(config).toMatchObject({
      nodeId: 'n2',
      port: 9000,
      n: 4,
      k: 2,
      m: 3,
      b: 0,
      deleteThreshold: 3,
      dbSchema: 'custom_schema',
      peerTimeoutMs: 1500,
      lockTtlMs: 4500,
      peerPort: 9001,
      allowInsecurePeers: true,
      tls: null,
      sweepIntervalMs: 500,
      nodeEnv: 'test',
      faultPoint: 'after-chosen',
      logLevel: 'debug',
      self: { id: 'n2', url: 'http://127.0.0.1:8202' },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(envWith({ VAULT_PORT: '', VAULT_THRESHOLD: '' })).port).toBe(8200);
    expectRejected(envWith({ VAULT_NODE_ID: '' }), 'VAULT_NODE_ID', 'is required');
  });

  it('reports every broken variable at once, each under its name', () => {
    const problems = problemsOf(envWith({ VAULT_PORT: 'x', VAULT_LOCK_TTL_MS: '1', VAULT_API_TOKEN: undefined }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['VAULT_PORT', 'VAULT_API_TOKEN', 'VAULT_LOCK_TTL_MS']);
    expect(() => loadConfig(envWith({ VAULT_PORT: 'x', VAULT_LOCK_TTL_MS: '1' }))).toThrow(
      /^VAULT_PORT: must be a decimal integer \(got "x"\); VAULT_LOCK_TTL_MS: must be an integer from 500 to 600000 \(got 1\)$/,
    );
  });

  it('does not report k and m again while the peer list they depend on is broken', () => {
    expectRejected(envWith({ VAULT_PEERS: 'nonsense', VAULT_THRESHOLD: '9', VAULT_WRITE_QUORUM: '9' }), 'VAULT_PEERS', 'must look like id=url');
  });

  describe('VAULT_NODE_ID', () => {
    it('is required', () => {
      expectRejected(envWith({ VAULT_NODE_ID: undefined }), 'VAULT_NODE_ID', 'is required');
    });

    it.each(['Node1', 'node_1', 'node.1', 'n'.repeat(64), 'nöde'])('rejects %j', (id) => {
      // No VAULT_PEERS or VAULT_DB_SCHEMA problem: their checks against the node id wait for a valid one.
      expectRejected(envWith({ VAULT_NODE_ID: id }), 'VAULT_NODE_ID', `must match [a-z0-9-]{1,63} (got ${JSON.stringify(id)})`);
    });

    it('accepts lower-case letters, digits and dashes up to 63 characters', () => {
      const id = `a-9${'z'.repeat(60)}`;
      const config = loadConfig(envWith({ VAULT_NODE_ID: id, VAULT_PEERS: `${id}=http://127.0.0.1:1,b=http://127.0.0.1:2`, VAULT_DB_SCHEMA: 'vault_long' }));
      expect(config.nodeId).toBe(id);
    });
  });

  describe('VAULT_PORT', () => {
    it.each([
      ['1', 1],
      ['65535', 65535],
      ['08200', 8200],
    ])('accepts %j', (raw, port) => {
      expect(loadConfig(envWith({ VAULT_PORT: raw })).port).toBe(port);
    });

    it.each(['0', '65536', '-1'])('rejects %j as out of range', (raw) => {
      expectRejected(envWith({ VAULT_PORT: raw }), 'VAULT_PORT', 'must be an integer from 1 to 65535');
    });

    it.each(['3abc', '2.5', ' 80', '80 ', '0x10', '1e3', '+80', 'eighty', '99999999999999999999'])('rejects %j as not a plain decimal integer', (raw) => {
      expectRejected(envWith({ VAULT_PORT: raw }), 'VAULT_PORT', 'must be a decimal integer');
    });
  });

  describe('VAULT_PEERS', () => {
    it('is required', () => {
      expectRejected(envWith({ VAULT_PEERS: undefined }), 'VAULT_PEERS', 'is required');
    });

    it('trims spaces around entries and keeps each url as an origin without a trailing slash', () => {
      const config = loadConfig(envWith({ VAULT_PEERS: ' n1 = http://Vault-1.example:8443/ , n2=http://10.0.0.2', VAULT_ALLOW_INSECURE_PEERS: 'true' }));
      expect(config.peers).toEqual([
        { id: 'n1', url: 'http://vault-1.example:8443' },
        { id: 'n2', url: 'http://10.0.0.2' },
      ]);
    });

    it('must list this replica itself', () => {
      expectRejected(envWith({ VAULT_NODE_ID: 'n9' }), 'VAULT_PEERS', 'must list this replica itself: no entry has the id "n9" of VAULT_NODE_ID');
    });

    it.each([
      ['n1=http://a:1,n2', 'entry 2 ("n2") must look like id=url'],
      ['n1=http://a:1,,n2=http://b:1', 'entry 2 ("") must look like id=url'],
      ['n1=http://a:1,N2=http://b:1', 'entry 2: the id must match [a-z0-9-]{1,63} (got "N2")'],
      ['n1=http://a:1,=http://b:1', 'entry 2: the id must match'],
      ['n1=http://a:1,n1=http://b:1', 'the id "n1" appears twice'],
      ['n1=http://a:1,n2=http://a:1/', 'the url "http://a:1" appears twice'],
    ])('rejects %j', (peers, rule) => {
      expect(expectRejected(envWith({ VAULT_PEERS: peers }), 'VAULT_PEERS', /./)).toContain(rule);
    });

    it.each(['ftp://b:1', 'b:1', '/relative', 'http://b:1/base', 'http://b:1?x=1', 'http://b:1/#frag', 'http://user:pass@b:1', 'http://'])(
      'rejects the url %j',
      (url) => {
        expectRejected(envWith({ VAULT_PEERS: `n1=http://a:1,n2=${url}` }), 'VAULT_PEERS', 'entry 2: the url must be an absolute http(s) URL');
      },
    );

    it('needs at least 2 replicas', () => {
      expectRejected(envWith({ VAULT_PEERS: 'n1=http://a:1' }), 'VAULT_PEERS', 'must list at least 2 replicas (got 1)');
    });

    it('allows at most 255 replicas, the Shamir limit', () => {
      expect(loadConfig(envWith({}, 255)).n).toBe(255);
      expectRejected(envWith({}, 256), 'VAULT_PEERS', 'must list at most 255 replicas');
    });
  });

  describe('k, m and the delete threshold', () => {
    it('rejects a cluster of 1', () => {
      expectRejected(envWith({}, 1), 'VAULT_PEERS', 'at least 2');
    });

    it.each([
      // n, k = min(3, n), m = max(k, floor(n/2) + 1), n - k + 1
      [2, 2, 2, 1],
      [3, 3, 3, 1],
      [4, 3, 3, 2],
      [5, 3, 3, 3],
      [6, 3, 4, 4],
      [7, 3, 4, 5],
    ])('defaults for n=%i: k=%i, m=%i, delete threshold %i', (n, k, m, deleteThreshold) => {
      expect(loadConfig(envWith({}, n))).toMatchObject({ n, k, m, deleteThreshold });
    });

    it('derives the default m from a given k', () => {
      expect(loadConfig(envWith({ VAULT_THRESHOLD: '4' }, 5))).toMatchObject({ k: 4, m: 4, deleteThreshold: 2 });
      expect(loadConfig(envWith({ VAULT_THRESHOLD: '2' }, 6))).toMatchObject({ k: 2, m: 4, deleteThreshold: 5 });
    });

    it.each(['1', '0', '6'])('VAULT_THRESHOLD rejects k=%s with n=5', (k) => {
      expectRejected(envWith({ VAULT_THRESHOLD: k }), 'VAULT_THRESHOLD', `must satisfy 2 <= k <= n (got ${k} with n=5)`);
    });

    it('VAULT_THRESHOLD rejects a value that is not a decimal integer', () => {
      expectRejected(envWith({ VAULT_THRESHOLD: '2.5' }), 'VAULT_THRESHOLD', 'must be a decimal integer (got "2.5")');
    });

    it('VAULT_WRITE_QUORUM rejects m <= n/2 even when m >= k', () => {
      expectRejected(
        envWith({ VAULT_THRESHOLD: '2', VAULT_WRITE_QUORUM: '2' }, 4),
        'VAULT_WRITE_QUORUM',
        'must satisfy k <= m <= n and m > n/2 (got 2 with n=4, k=2)',
      );
    });

    it('VAULT_WRITE_QUORUM rejects m=1 with n=3', () => {
      expect(problemsOf(envWith({ VAULT_THRESHOLD: '2', VAULT_WRITE_QUORUM: '1' }, 3))).toEqual([
        'VAULT_WRITE_QUORUM: must satisfy k <= m <= n and m > n/2 (got 1 with n=3, k=2)',
      ]);
    });

    it('VAULT_WRITE_QUORUM rejects m < k and m > n', () => {
      expectRejected(envWith({ VAULT_THRESHOLD: '4', VAULT_WRITE_QUORUM: '3' }, 5), 'VAULT_WRITE_QUORUM', '(got 3 with n=5, k=4)');
      expectRejected(envWith({ VAULT_WRITE_QUORUM: '6' }, 5), 'VAULT_WRITE_QUORUM', '(got 6 with n=5, k=3)');
    });

    it('VAULT_WRITE_QUORUM rejects a value that is not a decimal integer', () => {
      expectRejected(envWith({ VAULT_WRITE_QUORUM: '3abc' }), 'VAULT_WRITE_QUORUM', 'must be a decimal integer');
    });

    it('accepts any m with k <= m <= n and m > n/2', () => {
      expect(loadConfig(envWith({ VAULT_THRESHOLD: '2', VAULT_WRITE_QUORUM: '3' }, 4))).toMatchObject({ k: 2, m: 3 });
      expect(loadConfig(envWith({ VAULT_WRITE_QUORUM: '5' }, 5))).toMatchObject({ k: 3, m: 5 });
    });

    it('does not report m again while k is broken', () => {
      expectRejected(envWith({ VAULT_THRESHOLD: '1', VAULT_WRITE_QUORUM: '1' }, 3), 'VAULT_THRESHOLD', '2 <= k <= n');
    });
  });

  describe('VAULT_REPAIR_TRIGGER_BUFFER', () => {
    it('accepts 0 and larger integers', () => {
      expect(loadConfig(envWith({ VAULT_REPAIR_TRIGGER_BUFFER: '0' })).b).toBe(0);
      expect(loadConfig(envWith({ VAULT_REPAIR_TRIGGER_BUFFER: '7' })).b).toBe(7);
    });

    it('rejects negative and non-integer values', () => {
      expectRejected(envWith({ VAULT_REPAIR_TRIGGER_BUFFER: '-1' }), 'VAULT_REPAIR_TRIGGER_BUFFER', 'must be an integer >= 0 (got -1)');
      expectRejected(envWith({ VAULT_REPAIR_TRIGGER_BUFFER: '1.5' }), 'VAULT_REPAIR_TRIGGER_BUFFER', 'must be a decimal integer');
    });
  });

  describe('DATABASE_URL', () => {
    it('is required', () => {
      expectRejected(envWith({ DATABASE_URL: undefined }), 'DATABASE_URL', 'is required');
    });

    it.each(['postgres://u:p@h:5432/db', 'postgresql://h/db', 'postgresql:///db?host=/var/run/postgresql'])('accepts %j', (url) => {
      expect(loadConfig(envWith({ DATABASE_URL: url })).databaseUrl).toBe(url);
    });

    it.each(['mysql://u:hunter2@h/db', 'postgres:/h/db', 'h:5432', 'postgres://u:hunter2@[bad/db'])('rejects %j without echoing it', (url) => {
      const problem = expectRejected(envWith({ DATABASE_URL: url }), 'DATABASE_URL', 'must be a postgres:// or postgresql:// connection string');
      expect(problem).not.toContain('hunter2');
    });
  });

  describe('VAULT_DB_SCHEMA', () => {
    it('defaults to vault_ and the node id with dashes as underscores', () => {
      const config = loadConfig(envWith({ VAULT_NODE_ID: 'eu-west-1', VAULT_PEERS: 'eu-west-1=http://127.0.0.1:1,eu-west-2=http://127.0.0.1:2' }));
      expect(config.dbSchema).toBe('vault_eu_west_1');
    });

    it('accepts a plain identifier', () => {
      expect(loadConfig(envWith({ VAULT_DB_SCHEMA: '_s' })).dbSchema).toBe('_s');
      expect(loadConfig(envWith({ VAULT_DB_SCHEMA: `a${'9'.repeat(62)}` })).dbSchema).toHaveLength(63);
    });

    it.each(['Vault', '1vault', 'vault-1', 'vault"x', 'a'.repeat(64), 'vault;drop'])('rejects %j', (schema) => {
      expectRejected(envWith({ VAULT_DB_SCHEMA: schema }), 'VAULT_DB_SCHEMA', 'must be an unquoted Postgres identifier [a-z_][a-z0-9_]{0,62}');
    });

    it('rejects the pg_ prefix that Postgres reserves', () => {
      expectRejected(envWith({ VAULT_DB_SCHEMA: 'pg_vault' }), 'VAULT_DB_SCHEMA', 'must not start with pg_');
    });

    it('asks for an explicit schema when the default would exceed 63 characters', () => {
      const id = 'n'.repeat(63);
      expectRejected(envWith({ VAULT_NODE_ID: id, VAULT_PEERS: `${id}=http://127.0.0.1:1,b=http://127.0.0.1:2` }), 'VAULT_DB_SCHEMA', 'set VAULT_DB_SCHEMA');
    });
  });

  describe.each([
    ['VAULT_PEER_SECRET', 'peerSecret', 32],
    ['VAULT_API_TOKEN', 'apiToken', 16],
  ] as const)('%s', (variable, field, minLength) => {
    it('is required', () => {
      expectRejected(envWith({ [variable]: undefined }), variable, 'is required');
    });

    it(`needs at least ${minLength} characters and never shows the value`, () => {
      const short = 's'.repeat(minLength - 1);
      const problem = expectRejected(envWith({ [variable]: short }), variable, `must be at least ${minLength} characters (got ${minLength - 1})`);
      expect(problem).not.toContain(short);
      expect(loadConfig(envWith({ [variable]: 's'.repeat(minLength) }))[field]).toBe('s'.repeat(minLength));
    });
  });

  describe('VAULT_PEER_SECRET_ACCEPTED', () => {
    const second = 'another-peer-secret-for-the-rolling-change';

    it('is optional; when set, signatures may carry it too, after the secret this replica signs with', () => {
      const plain = loadConfig(envWith());
      expect(plain.peerSecretAccepted).toBeNull();
      expect(verifiedPeerSecrets(plain)).toEqual([PEER_SECRET]);
      const rolling = loadConfig(envWith({ VAULT_PEER_SECRET_ACCEPTED: second }));
      expect(rolling.peerSecretAccepted).toBe(second);
      expect(verifiedPeerSecrets(rolling)).toEqual([PEER_SECRET, second]);
    });

    it('needs 32 characters, differs from the peer secret and the API token, and is never shown', () => {
      const problem = expectRejected(envWith({ VAULT_PEER_SECRET_ACCEPTED: 'short' }), 'VAULT_PEER_SECRET_ACCEPTED', 'must be at least 32 characters (got 5)');
      expect(problem).not.toContain('short');
      expectRejected(envWith({ VAULT_PEER_SECRET_ACCEPTED: PEER_SECRET }), 'VAULT_PEER_SECRET_ACCEPTED', 'must differ from VAULT_PEER_SECRET');
      expectRejected(envWith({ VAULT_PEER_SECRET_ACCEPTED: second, VAULT_API_TOKEN: second }), 'VAULT_API_TOKEN', 'must differ from VAULT_PEER_SECRET and VAULT_PEER_SECRET_ACCEPTED');
      const config = loadConfig(envWith({ VAULT_PEER_SECRET_ACCEPTED: second }));
      for (const shown of [JSON.stringify(config), inspect(config)]) expect(shown).not.toContain(second);
    });
  });

  describe('VAULT_API_TOKEN', () => {
    it('must be sendable in a bearer header', () => {
      expectRejected(envWith({ VAULT_API_TOKEN: 'has a space in it!' }), 'VAULT_API_TOKEN', 'must be printable ASCII without spaces');
    });

    it('must differ from the peer secret', () => {
      expectRejected(envWith({ VAULT_API_TOKEN: PEER_SECRET }), 'VAULT_API_TOKEN', 'must differ from VAULT_PEER_SECRET');
    });
  });

  // The lease must stay at least 3 x the peer timeout, so each bound is tried with a partner that allows it.
  describe.each([
    ['VAULT_PEER_TIMEOUT_MS', 'peerTimeoutMs', 50, 60_000, { VAULT_LOCK_TTL_MS: '600000' }],
    ['VAULT_LOCK_TTL_MS', 'lockTtlMs', 500, 600_000, { VAULT_PEER_TIMEOUT_MS: '50' }],
    ['VAULT_SWEEP_INTERVAL_MS', 'sweepIntervalMs', 100, 3_600_000, {}],
  ] as const)('%s', (variable, field, min, max, partner) => {
    it(`accepts ${min} and ${max}`, () => {
      expect(loadConfig(envWith({ ...partner, [variable]: String(min) }))[field]).toBe(min);
      expect(loadConfig(envWith({ ...partner, [variable]: String(max) }))[field]).toBe(max);
    });

    it(`rejects ${min - 1}, ${max + 1} and non-integers`, () => {
      const rule = `must be an integer from ${min} to ${max}`;
      expectRejected(envWith({ ...partner, [variable]: String(min - 1) }), variable, `${rule} (got ${min - 1})`);
      expectRejected(envWith({ ...partner, [variable]: String(max + 1) }), variable, `${rule} (got ${max + 1})`);
      expectRejected(envWith({ ...partner, [variable]: `${min}.5` }), variable, 'must be a decimal integer');
    });
  });

  describe('VAULT_LOCK_TTL_MS against VAULT_PEER_TIMEOUT_MS', () => {
    it('refuses a lease shorter than 3 x the peer timeout (participants would give up on live coordinators)', () => {
      expectRejected(envWith({ VAULT_PEER_TIMEOUT_MS: '2000', VAULT_LOCK_TTL_MS: '5999' }), 'VAULT_LOCK_TTL_MS', 'must be at least 3 x VAULT_PEER_TIMEOUT_MS (6000; got 5999)');
      expect(loadConfig(envWith({ VAULT_PEER_TIMEOUT_MS: '2000', VAULT_LOCK_TTL_MS: '6000' })).lockTtlMs).toBe(6000);
    });

    it('refuses the default lease with a peer timeout above a third of it', () => {
      expectRejected(envWith({ VAULT_PEER_TIMEOUT_MS: '3334' }), 'VAULT_LOCK_TTL_MS', '(10002; got 10000)');
    });
  });

  describe('VAULT_PEER_PORT', () => {
    it('defaults to none (peers are served on VAULT_PORT) and takes a port of its own', () => {
      expect(loadConfig(envWith()).peerPort).toBeNull();
      expect(loadConfig(envWith({ VAULT_PEER_PORT: '9443' })).peerPort).toBe(9443);
    });

    it('must differ from VAULT_PORT and be a port', () => {
      expectRejected(envWith({ VAULT_PORT: '9000', VAULT_PEER_PORT: '9000' }), 'VAULT_PEER_PORT', 'must differ from VAULT_PORT');
      expectRejected(envWith({ VAULT_PEER_PORT: '70000' }), 'VAULT_PEER_PORT', 'must be an integer from 1 to 65535');
    });
  });

  describe('VAULT_ALLOW_INSECURE_PEERS and plain-HTTP peers', () => {
    it('refuses plain-HTTP peers off loopback unless explicitly allowed, naming them', () => {
      const peers = 'n1=http://127.0.0.1:8201,n2=http://10.0.0.2:8200,n3=http://vault-3:8200';
      expectRejected(envWith({ VAULT_PEERS: peers }), 'VAULT_ALLOW_INSECURE_PEERS', 'peers n2, n3 are not on loopback and TLS is off');
      expect(loadConfig(envWith({ VAULT_PEERS: peers, VAULT_ALLOW_INSECURE_PEERS: 'true' })).allowInsecurePeers).toBe(true);
    });

    it('accepts every loopback form without it', () => {
      expect(loadConfig(envWith({ VAULT_PEERS: 'n1=http://localhost:1,n2=http://127.1.2.3:2,n3=http://[::1]:3' })).n).toBe(3);
    });

    it('takes only true or false', () => {
      expectRejected(envWith({ VAULT_ALLOW_INSECURE_PEERS: 'yes' }), 'VAULT_ALLOW_INSECURE_PEERS', 'must be true or false (got "yes")');
      expect(loadConfig(envWith({ VAULT_ALLOW_INSECURE_PEERS: 'false' })).allowInsecurePeers).toBe(false);
    });

    it('refuses https peers while TLS is off', () => {
      expectRejected(envWith({ VAULT_PEERS: 'n1=https://127.0.0.1:1,n2=http://127.0.0.1:2' }), 'VAULT_PEERS', 'every peer must use http while TLS is off');
    });
  });

  describe('VAULT_TLS_CERT, VAULT_TLS_KEY, VAULT_TLS_CA, VAULT_TLS_RELOAD_SECONDS', () => {
    let dir: string;
    let ca: string;
    let leaf: IssuedCertificate;
    let other: IssuedCertificate;
    const tlsPeers = 'n1=https://vault-1:8200,n2=https://vault-2:8200';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'vault-config-spec-'));
      const testCa = await createTestCa(dir, 'config');
      ca = testCa.certFile;
      leaf = await testCa.issue('n1');
      other = await testCa.issue('n2');
      writeFileSync(join(dir, 'not.pem'), 'hello');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const files = () => ({ VAULT_TLS_CERT: leaf.certFile, VAULT_TLS_KEY: leaf.keyFile, VAULT_TLS_CA: ca });

    it('reads all three PEM files, and then wants every peer on https (off loopback too)', () => {
      const config = loadConfig(envWith({ ...files(), VAULT_PEERS: tlsPeers }));
      expect(config.tls).toEqual({ cert: leaf.cert, key: leaf.key, ca: expect.stringContaining('-----BEGIN CERTIFICATE-----'), files: { cert: leaf.certFile, key: leaf.keyFile, ca } });
      expectRejected(envWith({ ...files() }), 'VAULT_PEERS', 'every peer must use https when VAULT_TLS_* are set');
    });

    it('wants all three or none, naming the missing ones', () => {
      const problems = problemsOf(envWith({ VAULT_TLS_CERT: files().VAULT_TLS_CERT, VAULT_PEERS: tlsPeers }));
      expect(problems).toEqual(['VAULT_TLS_KEY: is required when VAULT_TLS_CERT is set', 'VAULT_TLS_CA: is required when VAULT_TLS_CERT is set']);
    });

    it('refuses a file it cannot read, and one that is not PEM', () => {
      expectRejected(envWith({ ...files(), VAULT_TLS_CA: join(dir, 'missing.pem'), VAULT_PEERS: tlsPeers }), 'VAULT_TLS_CA', 'cannot read');
      expectRejected(envWith({ ...files(), VAULT_TLS_KEY: join(dir, 'not.pem'), VAULT_PEERS: tlsPeers }), 'VAULT_TLS_KEY', 'is not a PEM file');
    });

    it('refuses a key that is not the certificate\'s, at boot rather than at the first handshake', () => {
      expectRejected(envWith({ ...files(), VAULT_TLS_KEY: other.keyFile, VAULT_PEERS: tlsPeers }), 'VAULT_TLS_KEY', 'do not make a TLS context');
    });

    it('never shows the private key in JSON or console output', () => {
      const config = loadConfig(envWith({ ...files(), VAULT_PEERS: tlsPeers }));
      for (const shown of [JSON.stringify(config), inspect(config)]) expect(shown).not.toContain('PRIVATE KEY');
    });

    it('reads the files again every 60 s by default; 0 leaves it to SIGHUP; anything else is refused', () => {
      expect(loadConfig(envWith({ ...files(), VAULT_PEERS: tlsPeers })).tlsReloadSeconds).toBe(60);
      expect(loadConfig(envWith({ ...files(), VAULT_PEERS: tlsPeers, VAULT_TLS_RELOAD_SECONDS: '0' })).tlsReloadSeconds).toBe(0);
      expectRejected(envWith({ ...files(), VAULT_PEERS: tlsPeers, VAULT_TLS_RELOAD_SECONDS: 'soon' }), 'VAULT_TLS_RELOAD_SECONDS', /integer/);
      expectRejected(envWith({ ...files(), VAULT_PEERS: tlsPeers, VAULT_TLS_RELOAD_SECONDS: '86401' }), 'VAULT_TLS_RELOAD_SECONDS', 'must be an integer from 0 to 86400 (got 86401)');
    });
  });

  describe('NODE_ENV and VAULT_FAULT_POINT', () => {
    it('defaults NODE_ENV to production and the fault point to none', () => {
      expect(loadConfig(envWith())).toMatchObject({ nodeEnv: 'production', faultPoint: null });
      expect(loadConfig(envWith({ NODE_ENV: 'test' })).faultPoint).toBeNull();
    });

    it('honours the fault point under NODE_ENV=test', () => {
      expect(loadConfig(envWith({ NODE_ENV: 'test', VAULT_FAULT_POINT: 'after-chosen' })).faultPoint).toBe('after-chosen');
    });

    it.each([undefined, 'production', 'development'])('rejects a fault point with NODE_ENV=%s', (nodeEnv) => {
      expectRejected(envWith({ NODE_ENV: nodeEnv, VAULT_FAULT_POINT: 'after-chosen' }), 'VAULT_FAULT_POINT', 'is only allowed when NODE_ENV=test');
    });
  });

  describe('VAULT_TEST_BUG', () => {
    it('is off by default', () => {
      expect(loadConfig(envWith({ NODE_ENV: 'test' })).testBug).toBeNull();
    });

    it.each(['reader-ignores-locks', 'abort-at-lease-end'])('plants %s under NODE_ENV=test', (bug) => {
      expect(loadConfig(envWith({ NODE_ENV: 'test', VAULT_TEST_BUG: bug })).testBug).toBe(bug);
    });

    it.each([undefined, 'production', 'development'])('is refused with NODE_ENV=%s', (nodeEnv) => {
      expectRejected(envWith({ NODE_ENV: nodeEnv, VAULT_TEST_BUG: 'reader-ignores-locks' }), 'VAULT_TEST_BUG', 'is only allowed when NODE_ENV=test');
    });

    it('refuses a bug it does not know', () => {
      expectRejected(envWith({ NODE_ENV: 'test', VAULT_TEST_BUG: 'lose-everything' }), 'VAULT_TEST_BUG', 'must be one of reader-ignores-locks, abort-at-lease-end (got "lose-everything")');
    });
  });

  describe('VAULT_LOG_LEVEL', () => {
    it.each([
      ['debug', 'debug'],
      ['warn', 'warn'],
      ['ERROR', 'error'],
    ])('accepts %j', (raw, level) => {
      expect(loadConfig(envWith({ VAULT_LOG_LEVEL: raw })).logLevel).toBe(level);
    });

    it('rejects an unknown level', () => {
      expectRejected(envWith({ VAULT_LOG_LEVEL: 'verbose' }), 'VAULT_LOG_LEVEL', 'must be one of debug, info, warn, error (got "verbose")');
    });
  });

  describe('the built config', () => {
    it('cannot be changed after validation', () => {
      const config = loadConfig(envWith());
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.peers)).toBe(true);
    });

    it('keeps its secrets out of JSON and console output', () => {
      const config = loadConfig(envWith());
      for (const shown of [JSON.stringify(config), inspect(config)]) {
        expect(shown).not.toContain(PEER_SECRET);
        expect(shown).not.toContain(API_TOKEN);
        expect(shown).not.toContain('hunter2-db-password');
        expect(shown).toContain('n1');
      }
    });
  });
});
