import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultSchemaFor } from '../config';
import { LocalCredentials, loadOrCreateCredentials, replicaDatabasePassword } from './credentials';
import { provisionReplicaLogins } from './roles';
import { RunningPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { clusterReplicas } from './replica-process';

/**
 * `npm start`: a whole local cluster on one machine (docs/configuration.md, "The local launcher"). An embedded Postgres
 * under ./.vault/ unless DATABASE_URL is set, VAULT_NODES replicas on ports 8201.., one
 * schema each, credentials generated once. Ctrl-C stops the replicas, then Postgres.
 */
const BASE_PORT = 8200;

async function main(): Promise<void> {
  const nodes = positiveInt('VAULT_NODES', process.env.VAULT_NODES ?? '5');
  const stateDir = resolve(process.env.VAULT_STATE_DIR ?? '.vault');
  const credentials = await loadOrCreateCredentials(stateDir);
  const logDir = join(stateDir, 'logs');
  await mkdir(logDir, { recursive: true });

  let postgres: RunningPostgres | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say('starting embedded Postgres (data in ./.vault/postgres) ...');
    postgres = await startEmbeddedPostgres({
      dataDir: join(stateDir, 'postgres'),
      port: positiveInt('VAULT_PG_PORT', process.env.VAULT_PG_PORT ?? '54329'),
      user: 'vault',
      password: credentials.postgresPassword,
      database: 'vault',
    });
    databaseUrl = postgres.url;
  }

  const members = Array.from({ length: nodes }, (_, i) => ({ id: `vault-${i + 1}`, port: BASE_PORT + i + 1 }));
  const urls = await replicaUrls(databaseUrl, members.map((m) => m.id), credentials);
  const passThrough = pick(process.env, [
    'VAULT_THRESHOLD',
    'VAULT_WRITE_QUORUM',
    'VAULT_REPAIR_TRIGGER_BUFFER',
    'VAULT_PEER_TIMEOUT_MS',
    'VAULT_LOCK_TTL_MS',
    'VAULT_LOG_LEVEL',
    'VAULT_TOKEN_CACHE_TTL_MS',
    'VAULT_AUDIT_RETENTION_DAYS',
    'VAULT_RATE_LIMIT_PER_SECOND',
    'VAULT_RATE_LIMIT_BURST',
  ]);
  // With VAULT_METRICS_BASE_PORT, replica i serves /metrics on that port + i (docs/operations.md).
  const metricsBase = process.env.VAULT_METRICS_BASE_PORT ? positiveInt('VAULT_METRICS_BASE_PORT', process.env.VAULT_METRICS_BASE_PORT) : null;
  const replicas = clusterReplicas({
    members,
    databaseUrl,
    envFor: (i) => ({ DATABASE_URL: urls[i], ...(metricsBase !== null ? { VAULT_METRICS_PORT: String(metricsBase + i + 1) } : {}) }),
    peerSecret: credentials.peerSecret,
    apiToken: credentials.apiToken,
    logDir,
    host: 'localhost',
    env: { ...passThrough, NODE_ENV: 'production' },
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping replicas ...');
    await Promise.all(replicas.map((r) => r.stop()));
    if (postgres) {
      say('stopping Postgres ...');
      await postgres.stop();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  for (const replica of replicas) replica.start();
  try {
    await Promise.all(replicas.map((r) => r.waitReady(60_000)));
  } catch (error) {
    say(`a replica did not start: ${error instanceof Error ? error.message : String(error)} (see ${logDir})`);
    await shutdown(1);
    return;
  }
  for (const replica of replicas) {
    void replica.waitExit().then((code) => {
      if (!stopping) say(`replica ${replica.spec.id} exited (code ${code}); see ${join(logDir, replica.spec.id + '.log')}`);
    });
  }

  const first = `http://localhost:${members[0].port}`;
  say('');
  say(`Vault is running: ${nodes} replicas`);
  for (const member of members) say(`  ${member.id}  http://localhost:${member.port}`);
  say(`Swagger UI:  ${first}/docs`);
  if (metricsBase !== null) say(`Metrics:     http://localhost:${metricsBase + 1}/metrics .. http://localhost:${metricsBase + nodes}/metrics`);
  say(`API token:   ${credentials.apiToken}`);
  say(`Logs:        ${logDir}/`);
  say('');
  say(`Try: curl -H "Authorization: Bearer ${credentials.apiToken}" ${first}/status`);
  say('Press Ctrl-C to stop.');
}

/**
 * One database login per replica, owning only its own schema (docs/configuration.md). With
 * a DATABASE_URL that may not create roles, every replica uses that URL, and says so.
 */
async function replicaUrls(adminUrl: string, ids: string[], credentials: LocalCredentials): Promise<string[]> {
  const logins = ids.map((id) => ({ schema: defaultSchemaFor(id), role: defaultSchemaFor(id), password: replicaDatabasePassword(credentials, id) }));
  try {
    return await provisionReplicaLogins(adminUrl, logins);
  } catch (error) {
    say(`could not create one database login per replica (${error instanceof Error ? error.message : String(error)}); all replicas share DATABASE_URL's login`);
    return ids.map(() => adminUrl);
  }
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

function positiveInt(name: string, raw: string): number {
  if (!/^[1-9][0-9]*$/.test(raw)) {
    say(`${name} must be a positive integer`);
    process.exit(2);
  }
  return Number(raw);
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n] as string]));
}

main().catch((error: unknown) => {
  say(`vault cluster failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
