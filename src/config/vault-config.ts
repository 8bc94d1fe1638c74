import { inspect } from 'node:util';
import { Env, EnvReader, integerInRange, integerOr, quote, required, RuleViolation } from './env-reader';
import { parseNodeId, parsePeers, PeerInfo } from './peers';
import { readPemFile, readTlsMaterial, TlsFileError, TlsMaterial } from './tls-files';

export type { PeerInfo } from './peers';
export type { TlsMaterial } from './tls-files';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** The planted bugs a test may switch on (the same ones the simulation plants). */
export const TEST_BUGS = ['reader-ignores-locks', 'abort-at-lease-end'] as const;
export type TestBug = (typeof TEST_BUGS)[number];

export const MIN_PEER_SECRET_LENGTH = 32;
export const MIN_API_TOKEN_LENGTH = 16;

/** A Postgres identifier that needs no quoting; `pg_` names are reserved for the system. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Every broken rule of the environment, one per variable, each naming the variable.
 * The message joins them with "; " so that the boot failure is one readable line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/** The data fields of VaultConfig (everything but its methods). */
export type VaultConfigFields = {
  readonly [K in keyof VaultConfig as VaultConfig[K] extends (...args: never[]) => unknown ? never : K]: VaultConfig[K];
};

/**
 * One replica's validated configuration (docs/configuration.md). A class so that Nest can inject
 * it by type. Build it with loadConfig(); the constructor trusts its input (tests use it to
 * build configs directly). Frozen, and it hides its secrets from JSON and console output.
 */
export class VaultConfig {
  readonly nodeId: string;
  readonly port: number;
  readonly peers: PeerInfo[];
  readonly n: number;
  readonly k: number;
  readonly m: number;
  readonly b: number;
  readonly databaseUrl: string;
  readonly dbSchema: string;
  readonly peerSecret: string;
  /**
   * A second peer secret that signatures may also carry (VAULT_PEER_SECRET_ACCEPTED), or null:
   * for a rolling change of the peer secret. This replica never signs with it.
   */
  readonly peerSecretAccepted: string | null;
  readonly apiToken: string;
  readonly peerTimeoutMs: number;
  readonly lockTtlMs: number;
  /** The internal peer API's own port (VAULT_PEER_PORT), or null: served on `port`. */
  readonly peerPort: number | null;
  /** PEM material (VAULT_TLS_CERT, VAULT_TLS_KEY, VAULT_TLS_CA) as read at boot, or null: plain HTTP. */
  readonly tls: TlsMaterial | null;
  /** How often those files are read again for a renewed certificate (VAULT_TLS_RELOAD_SECONDS); 0: only on SIGHUP. */
  readonly tlsReloadSeconds: number;
  /** Plain-HTTP peers off loopback were allowed (VAULT_ALLOW_INSECURE_PEERS=true). */
  readonly allowInsecurePeers: boolean;
  /** How often the anti-entropy sweep asks peers for changes (VAULT_SWEEP_INTERVAL_MS). */
  readonly sweepIntervalMs: number;
  /** n - k + 1: confirmed destructions that leave at most k - 1 shares anywhere. */
  readonly deleteThreshold: number;
  readonly nodeEnv: string;
  /** Only ever set under NODE_ENV=test: the fault suite's crash point. */
  readonly faultPoint: string | null;
  /** Only ever set under NODE_ENV=test: a planted bug, so the fault suite can show that its checker finds it. */
  readonly testBug: TestBug | null;
  readonly logLevel: LogLevel;
  /** Where SIGUSR2-triggered CPU profiles go (VAULT_CPU_PROFILE_DIR), or null: no profiling. */
  readonly cpuProfileDir: string | null;
  /** How long a replica trusts a token it looked up (VAULT_TOKEN_CACHE_TTL_MS); a revocation answers after it. */
  readonly tokenCacheTtlMs: number;
  /** Audit records older than this many days are purged (VAULT_AUDIT_RETENTION_DAYS). */
  readonly auditRetentionDays: number;
  /** GET /metrics (Prometheus) on its own listener (VAULT_METRICS_PORT), or null: not served. */
  readonly metricsPort: number | null;
  /** Requests per second and burst per token on this replica (VAULT_RATE_LIMIT_PER_SECOND, _BURST); perSecond 0: no limit. */
  readonly rateLimit: { perSecond: number; burst: number };
  /** This replica's own entry of `peers`. */
  readonly self: PeerInfo;

  constructor(fields: VaultConfigFields) {
    Object.assign(this, fields);
    Object.freeze(this.peers);
    Object.freeze(this);
  }

  toJSON(): VaultConfigFields {
    return {
      ...this,
      peerSecret: '[redacted]',
      peerSecretAccepted: this.peerSecretAccepted === null ? null : '[redacted]',
      apiToken: '[redacted]',
      tls: this.tls ? { cert: '[pem]', key: '[redacted]', ca: '[pem]', files: this.tls.files } : null,
      databaseUrl: redactPassword(this.databaseUrl),
    };
  }

  [inspect.custom](): string {
    return `VaultConfig ${inspect(this.toJSON())}`;
  }
}

/** Every peer secret a signature, fingerprint or token hash may be made with: the one this replica signs with first. */
export function verifiedPeerSecrets(config: { peerSecret: string; peerSecretAccepted?: string | null }): readonly string[] {
  return config.peerSecretAccepted ? [config.peerSecret, config.peerSecretAccepted] : [config.peerSecret];
}

/**
 * Validates the whole environment and builds the configuration. Every variable is checked
 * and every broken rule is reported (one per variable) in a single ConfigError. A rule that
 * depends on another variable (k on n, m on k, the default schema on the node id) is
 * skipped while that variable is itself invalid, so each problem is reported once.
 */
export function loadConfig(env: Env): VaultConfig {
  const reader = new EnvReader(env);
  // Read in the order of docs/configuration.md's table, so that problems are listed in that order.
  const nodeId = reader.read('VAULT_NODE_ID', (raw) => parseNodeId(required(raw)));
  const port = reader.read('VAULT_PORT', (raw) => integerInRange(raw, 8200, 1, 65535));
  const nodeEnvRaw = reader.raw('NODE_ENV') ?? 'production';
  const allowSingle = reader.read('VAULT_ALLOW_SINGLE_REPLICA', (raw) => {
    const value = parseBoolean(raw);
    // One replica holds every value whole (Shamir with threshold 1 is the value itself).
    if (value && nodeEnvRaw === 'production') throw new RuleViolation('a single replica stores values whole: it is refused under NODE_ENV=production (it exists for benchmarks)');
    return value;
  });
  const peers = reader.read('VAULT_PEERS', (raw) => parsePeers(required(raw), nodeId, allowSingle === true));
  const { k, m } = readQuorum(reader, peers?.length);
  const b = reader.read('VAULT_REPAIR_TRIGGER_BUFFER', (raw) => integerInRange(raw, 1, 0, Number.MAX_SAFE_INTEGER));
  const databaseUrl = reader.read('DATABASE_URL', (raw) => parseDatabaseUrl(required(raw)));
  const dbSchema = readSchema(reader, nodeId);
  const { peerSecret, peerSecretAccepted, apiToken } = readSecrets(reader);
  const peerTimeoutMs = reader.read('VAULT_PEER_TIMEOUT_MS', (raw) => integerInRange(raw, 2000, 50, 60_000));
  const lockTtlMs = reader.read('VAULT_LOCK_TTL_MS', (raw) => integerInRange(raw, 10_000, 500, 600_000));
  if (peerTimeoutMs !== undefined && lockTtlMs !== undefined && lockTtlMs < 3 * peerTimeoutMs) {
    // A shorter lease lets participants settle (and abort) writes whose coordinator is alive and merely waiting on a peer.
    reader.report('VAULT_LOCK_TTL_MS', `must be at least 3 x VAULT_PEER_TIMEOUT_MS (${3 * peerTimeoutMs}; got ${lockTtlMs})`);
  }
  const peerPort = reader.read('VAULT_PEER_PORT', (raw) => (raw === undefined ? null : integerInRange(raw, 0, 1, 65535)));
  if (peerPort !== undefined && peerPort !== null && peerPort === port) reader.report('VAULT_PEER_PORT', 'must differ from VAULT_PORT (leave it unset to serve peers on VAULT_PORT)');
  const tls = readTls(reader);
  const tlsReloadSeconds = reader.read('VAULT_TLS_RELOAD_SECONDS', (raw) => integerInRange(raw, 60, 0, 86_400));
  const allowInsecurePeers = reader.read('VAULT_ALLOW_INSECURE_PEERS', parseBoolean);
  if (peers && tls !== undefined && allowInsecurePeers !== undefined) checkPeerTransport(reader, peers, tls, allowInsecurePeers);
  const sweepIntervalMs = reader.read('VAULT_SWEEP_INTERVAL_MS', (raw) => integerInRange(raw, 5000, 100, 3_600_000));
  const nodeEnv = reader.raw('NODE_ENV') ?? 'production';
  const faultPoint = reader.read('VAULT_FAULT_POINT', (raw) => parseFaultPoint(raw, nodeEnv));
  const testBug = reader.read('VAULT_TEST_BUG', (raw) => parseTestBug(raw, nodeEnv));
  const logLevel = reader.read('VAULT_LOG_LEVEL', parseLogLevel);
  const cpuProfileDir = reader.raw('VAULT_CPU_PROFILE_DIR') ?? null;
  const tokenCacheTtlMs = reader.read('VAULT_TOKEN_CACHE_TTL_MS', (raw) => integerInRange(raw, 2000, 0, 60_000));
  const auditRetentionDays = reader.read('VAULT_AUDIT_RETENTION_DAYS', (raw) => integerInRange(raw, 90, 1, 36_500));
  const metricsPort = reader.read('VAULT_METRICS_PORT', (raw) => (raw === undefined ? null : integerInRange(raw, 0, 1, 65535)));
  if (metricsPort !== undefined && metricsPort !== null && (metricsPort === port || metricsPort === peerPort)) {
    reader.report('VAULT_METRICS_PORT', 'must differ from VAULT_PORT and VAULT_PEER_PORT');
  }
  const rateLimit = readRateLimit(reader);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);

  const n = peers?.length;
  const fields = {
    nodeId,
    port,
    peers,
    n,
    k,
    m,
    b,
    databaseUrl,
    dbSchema,
    peerSecret,
    peerSecretAccepted,
    apiToken,
    peerTimeoutMs,
    lockTtlMs,
    peerPort,
    tls,
    tlsReloadSeconds,
    allowInsecurePeers,
    sweepIntervalMs,
    deleteThreshold: n !== undefined && k !== undefined ? n - k + 1 : undefined,
    nodeEnv,
    faultPoint,
    testBug,
    logLevel,
    cpuProfileDir,
    tokenCacheTtlMs,
    auditRetentionDays,
    metricsPort,
    rateLimit,
    self: peers?.find((peer) => peer.id === nodeId),
  };
  return new VaultConfig(complete<VaultConfigFields>(fields));
}

/** k and m, each checked against n (and m against k) only once those are known good. */
function readQuorum(reader: EnvReader, n: number | undefined): { k: number | undefined; m: number | undefined } {
  if (n === undefined) return { k: undefined, m: undefined };
  const k = reader.read('VAULT_THRESHOLD', (raw) => {
    const value = integerOr(raw, Math.min(3, n));
    if (n === 1 && value === 1) return value; // the single-replica measurement mode, see VAULT_ALLOW_SINGLE_REPLICA
    if (value < 2 || value > n) throw new RuleViolation(`must satisfy 2 <= k <= n (got ${value} with n=${n})`);
    return value;
  });
  if (k === undefined) return { k, m: undefined };
  // m > n/2 makes any two write quorums overlap: two coordinators that cannot see each other never both commit.
  const m = reader.read('VAULT_WRITE_QUORUM', (raw) => {
    const value = integerOr(raw, Math.max(k, Math.floor(n / 2) + 1));
    if (value < k || value > n || value * 2 <= n) {
      throw new RuleViolation(`must satisfy k <= m <= n and m > n/2 (got ${value} with n=${n}, k=${k})`);
    }
    return value;
  });
  return { k, m };
}

/** Per token and replica; the burst defaults to twice the rate and must be at least 1 while there is a rate (a burst below the rate only smooths requests out). */
function readRateLimit(reader: EnvReader): { perSecond: number; burst: number } | undefined {
  const perSecond = reader.read('VAULT_RATE_LIMIT_PER_SECOND', (raw) => integerInRange(raw, 100, 0, 1_000_000));
  if (perSecond === undefined) return undefined;
  const burst = reader.read('VAULT_RATE_LIMIT_BURST', (raw) => {
    const value = integerInRange(raw, 2 * perSecond, 0, 2_000_000);
    if (perSecond > 0 && value < 1) throw new RuleViolation('must be at least 1 while VAULT_RATE_LIMIT_PER_SECOND is above 0');
    return value;
  });
  return burst === undefined ? undefined : { perSecond, burst };
}

function readSecrets(reader: EnvReader): { peerSecret: string | undefined; peerSecretAccepted: string | null | undefined; apiToken: string | undefined } {
  const peerSecret = reader.read('VAULT_PEER_SECRET', (raw) => secretOfLength(raw, MIN_PEER_SECRET_LENGTH));
  const peerSecretAccepted = reader.read('VAULT_PEER_SECRET_ACCEPTED', (raw) => {
    if (raw === undefined) return null;
    const value = secretOfLength(raw, MIN_PEER_SECRET_LENGTH);
    if (value === peerSecret) throw new RuleViolation('must differ from VAULT_PEER_SECRET (leave it unset when there is no second secret)');
    return value;
  });
  const apiToken = reader.read('VAULT_API_TOKEN', (raw) => {
    const value = secretOfLength(raw, MIN_API_TOKEN_LENGTH);
    // Clients send it as `Authorization: Bearer <token>`: spaces or control characters could not be sent.
    if (!/^[\x21-\x7e]+$/.test(value)) throw new RuleViolation('must be printable ASCII without spaces');
    // A client holding the API token must not be able to sign peer calls.
    if (value === peerSecret || value === peerSecretAccepted) throw new RuleViolation('must differ from VAULT_PEER_SECRET and VAULT_PEER_SECRET_ACCEPTED');
    return value;
  });
  return { peerSecret, peerSecretAccepted, apiToken };
}

/** Secrets are never echoed in messages, only their length. */
function secretOfLength(raw: string | undefined, minLength: number): string {
  const value = required(raw);
  if (value.length < minLength) throw new RuleViolation(`must be at least ${minLength} characters (got ${value.length})`);
  return value;
}

/** The password in a connection string never appears in messages. */
function parseDatabaseUrl(raw: string): string {
  const rule = 'must be a postgres:// or postgresql:// connection string (value not shown: it may hold a password)';
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new RuleViolation(rule);
  try {
    new URL(raw);
  } catch {
    throw new RuleViolation(rule);
  }
  return raw;
}

function readSchema(reader: EnvReader, nodeId: string | undefined): string | undefined {
  return reader.read('VAULT_DB_SCHEMA', (raw) => {
    if (raw !== undefined) return checkSchema(raw);
    if (nodeId === undefined) return undefined; // VAULT_NODE_ID's own problem is reported already
    const fallback = defaultSchemaFor(nodeId);
    if (!SCHEMA_PATTERN.test(fallback)) {
      throw new RuleViolation(`the default ${quote(fallback)} is longer than Postgres's 63 characters; set VAULT_DB_SCHEMA`);
    }
    return fallback;
  });
}

function checkSchema(raw: string): string {
  if (!SCHEMA_PATTERN.test(raw)) {
    throw new RuleViolation(`must be an unquoted Postgres identifier [a-z_][a-z0-9_]{0,62} (got ${quote(raw)})`);
  }
  if (raw.startsWith('pg_')) throw new RuleViolation(`must not start with pg_, which Postgres reserves (got ${quote(raw)})`);
  return raw;
}

/** All three PEM files, or none; each readable PEM, and together a usable TLS context. */
function readTls(reader: EnvReader): TlsMaterial | null | undefined {
  const names = ['VAULT_TLS_CERT', 'VAULT_TLS_KEY', 'VAULT_TLS_CA'] as const;
  const given = names.filter((name) => reader.raw(name) !== undefined);
  if (given.length === 0) return null;
  if (given.length < names.length) {
    for (const name of names.filter((n) => !given.includes(n))) reader.report(name, `is required when ${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set`);
    return undefined;
  }
  // Each file on its own first, so that a problem is reported under its own variable.
  const [cert, key, ca] = names.map((name) =>
    reader.read(name, (raw) => {
      const path = required(raw);
      asRule(() => readPemFile(path));
      return path;
    }),
  );
  if (cert === undefined || key === undefined || ca === undefined) return undefined;
  // Then together; a key that is not the certificate's is reported under VAULT_TLS_KEY.
  return reader.read('VAULT_TLS_KEY', () => asRule(() => readTlsMaterial({ cert, key, ca })));
}

/** A TLS file problem, reported as the variable's broken rule. */
function asRule<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TlsFileError) throw new RuleViolation(error.message);
    throw error;
  }
}

function parseBoolean(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new RuleViolation(`must be true or false (got ${quote(raw)})`);
}

/**
 * With TLS every peer is reached over HTTPS; without it over HTTP, which is only allowed
 * on loopback (the local cluster of `npm start`) unless explicitly accepted: a prepare
 * carries shares, and plain HTTP between machines hands them to anyone on the path.
 */
function checkPeerTransport(reader: EnvReader, peers: PeerInfo[], tls: TlsMaterial | null, allowInsecure: boolean): void {
  const scheme = tls ? 'https:' : 'http:';
  const wrong = peers.filter((p) => new URL(p.url).protocol !== scheme);
  if (wrong.length > 0) {
    reader.report('VAULT_PEERS', `every peer must use ${scheme.slice(0, -1)} ${tls ? 'when VAULT_TLS_* are set' : 'while TLS is off (set VAULT_TLS_CERT, VAULT_TLS_KEY, VAULT_TLS_CA)'}; not: ${wrong.map((p) => p.id).join(', ')}`);
    return;
  }
  if (tls || allowInsecure) return;
  const remote = peers.filter((p) => !isLoopback(new URL(p.url).hostname));
  if (remote.length > 0) {
    reader.report(
      'VAULT_ALLOW_INSECURE_PEERS',
      `peers ${remote.map((p) => p.id).join(', ')} are not on loopback and TLS is off: set VAULT_TLS_CERT, VAULT_TLS_KEY and VAULT_TLS_CA, or VAULT_ALLOW_INSECURE_PEERS=true to accept plain HTTP between replicas`,
    );
  }
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The schema a replica uses unless VAULT_DB_SCHEMA says otherwise. */
export function defaultSchemaFor(nodeId: string): string {
  return `vault_${nodeId.replace(/-/g, '_')}`;
}

/** Fault injection crashes the process on purpose; a production replica must never do that. */
function parseFaultPoint(raw: string | undefined, nodeEnv: string): string | null {
  if (raw === undefined) return null;
  requireTestEnvironment(nodeEnv);
  return raw;
}

/** A planted bug breaks the guarantees on purpose; a production replica must never run one. */
function parseTestBug(raw: string | undefined, nodeEnv: string): TestBug | null {
  if (raw === undefined) return null;
  requireTestEnvironment(nodeEnv);
  const bug = TEST_BUGS.find((candidate) => candidate === raw);
  if (!bug) throw new RuleViolation(`must be one of ${TEST_BUGS.join(', ')} (got ${quote(raw)})`);
  return bug;
}

function requireTestEnvironment(nodeEnv: string): void {
  if (nodeEnv !== 'test') throw new RuleViolation(`is only allowed when NODE_ENV=test (NODE_ENV is ${quote(nodeEnv)})`);
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === raw.toLowerCase());
  if (!level) throw new RuleViolation(`must be one of ${LOG_LEVELS.join(', ')} (got ${quote(raw)})`);
  return level;
}

function redactPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[redacted]';
  }
}

/** Narrows the fields once no problem was reported; a missing one then is a bug here. */
function complete<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): T {
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) throw new Error(`loadConfig left ${key} undefined without reporting a problem`);
  }
  return fields as T;
}
