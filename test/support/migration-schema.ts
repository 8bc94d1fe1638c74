import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { e2eDatabaseUrl } from './e2e-database';
import { replicaSchemaOptions } from './replica-schema';

export interface MigrationSchema {
  readonly schema: string;
  /** A connection as the database's owner, to look at (and plant) rows behind the replica's back. */
  readonly admin: Client;
  /** Opens the schema as a replica would, running the migrations given. */
  open(migrations: DataSourceOptions['migrations']): Promise<DataSource>;
}

/** A schema of its own for a migration suite: made before the suite's tests, dropped after them. */
export function migrationSchema(prefix: string): MigrationSchema {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  let databaseUrl = '';
  let admin: Client | null = null;
  beforeAll(async () => {
    databaseUrl = e2eDatabaseUrl();
    admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });
  return {
    schema,
    get admin(): Client {
      if (!admin) throw new Error('migrationSchema: used outside its suite');
      return admin;
    },
    open: (migrations) => new DataSource(replicaSchemaOptions(databaseUrl, schema, migrations)).initialize(),
  };
}
