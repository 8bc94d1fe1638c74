import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { withClient } from '../common/pg-client';
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
      // Every statement is planned for the tables as they are now (plan_cache_mode): a
      // named statement's cached generic plan, made while a fresh replica's tables were
      // nearly empty, kept scanning them whole as they grew, until autovacuum happened to
      // analyse them. A single replica's creates fell from 1,100/s to 330/s at 20,000 names
      // that way; planning each time measured no slower (docs/benchmarks.md).
      options: `-c search_path=${config.dbSchema} -c plan_cache_mode=force_custom_plan`,
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
  await claimSchema(url, schema);
  await withClient(url, async (client) => {
    // A login that owns its schema but may not create one (docs/configuration.md) only checks.
    const { rowCount } = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    if (!rowCount) await client.query(`CREATE SCHEMA "${schema}"`);
  });
  return new DataSource(options).initialize();
}

/**
 * One replica process per schema: its state has a single writer (docs/storage.md), so a
 * second process started on the same schema by mistake must not run. A session-level
 * advisory lock, held on a connection of its own for the life of the process, makes sure.
 */
async function claimSchema(url: string, schema: string): Promise<void> {
  const holder = new Client({ connectionString: url, application_name: `vault-schema-claim-${schema}` });
  await holder.connect();
  const { rows } = await holder.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS claimed`, [`vault-replica:${schema}`]);
  if (!rows[0].claimed) {
    await holder.end();
    throw new Error(`another replica process already runs on schema ${schema}`);
  }
  // Held until the process exits (the connection closes with it).
  holder.on('error', () => undefined);
}

/** The data source's own connection pool, for queries that bypass the ORM's per-query work. */
export function poolOf(db: DataSource): Pool {
  return (db.driver as PostgresDriver).master as Pool;
}

/**
 * The other replicas' schemas (by their default names) that this replica's login could
 * read: it should see none (docs/configuration.md, "One database login per replica").
 * Also says whether the login is a superuser, which can read everything.
 */
export async function readableForeignSchemas(db: DataSource, schemas: string[]): Promise<{ superuser: boolean; readable: string[] }> {
  const [{ superuser }] = await db.query(`SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`);
  const rows: Array<{ schema: string }> = await db.query(
    `SELECT nspname AS schema FROM pg_namespace
      WHERE nspname = ANY($1::text[]) AND has_schema_privilege(oid, 'USAGE')`,
    [schemas],
  );
  return { superuser, readable: rows.map((r) => r.schema) };
}
