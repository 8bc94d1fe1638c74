import { randomBytes } from 'node:crypto';
import { DataSourceOptions } from 'typeorm';
import { loadConfig } from '../../src/config';
import { dataSourceOptions } from '../../src/vault/database';
import { SELF } from '../../src/vault/state/testing/fixtures';

/**
 * The data source options a replica would open `schema` with (its pool's session
 * parameters included), with the migrations given as classes: the options' own glob
 * names compiled files under dist/, and a test picks the migrations it needs.
 */
export function replicaSchemaOptions(databaseUrl: string, schema: string, migrations: DataSourceOptions['migrations']): DataSourceOptions {
  const config = loadConfig({
    VAULT_NODE_ID: SELF,
    VAULT_PEERS: `${SELF}=http://127.0.0.1:1,n2=http://127.0.0.1:2,n3=http://127.0.0.1:3`,
    DATABASE_URL: databaseUrl,
    VAULT_DB_SCHEMA: schema,
    VAULT_PEER_SECRET: randomBytes(32).toString('hex'),
    VAULT_API_TOKEN: randomBytes(16).toString('hex'),
  });
  return { ...dataSourceOptions(config), migrations } as DataSourceOptions;
}
