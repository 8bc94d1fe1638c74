import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { VaultConfig } from '../config';
import { VAULT_ENTITIES } from './entities';

/** Pool size per replica: enough for concurrent peer messages, small enough for N replicas on one server. */
const POOL_SIZE = 10;

export function dataSourceOptions(config: VaultConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    schema: config.dbSchema,
    entities: VAULT_ENTITIES,
    // Compiled from the top-level migrations/ folder by tsconfig.migrations.json.
    migrations: [join(__dirname, '..', 'migrations', '*.js')],
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: POOL_SIZE,
      // Unqualified table names in SQL and migrations resolve to this replica's schema.
      options: `-c search_path=${config.dbSchema}`,
      application_name: `vault-${config.nodeId}`,
    },
  };
}

/**
 * Creates the replica's schema if needed, then connects and runs pending migrations. The
 * schema must exist before TypeORM looks for its migrations table there. (The schema name
 * was validated as a plain identifier by the config module.)
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const { url, schema } = options as { url: string; schema: string };
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
  return new DataSource(options).initialize();
}
