import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { InitialSchema1764115200000 } from '../../migrations/1764115200000-InitialSchema';
import { PaxosCommitAndSalts1764201600000 } from '../../migrations/1764201600000-PaxosCommitAndSalts';
import { loadConfig } from '../../src/config';
import { dataSourceOptions, openDatabase, poolOf } from '../../src/vault/database';
import { seededIds } from '../../src/common/testing/seeded-ids';
import { VirtualClock } from '../../src/common/testing/virtual-clock';
import { ERASURE_DELAY_MS, PostgresBackend } from '../../src/vault/state/postgres-backend';
import { STATE_LOSS_MARGIN_MS } from '../../src/vault/state/replica-machine';
import { StateStore } from '../../src/vault/state/replica-state';
import { decided, decision, item, LOCK_TTL_MS, payload, SELF, splitOf, txHeader } from '../../src/vault/state/testing/fixtures';
import { replicaStateContract, ShareRowView } from '../../src/vault/state/testing/replica-state.contract';

/**
 * The ReplicaState contract against StateStore over PostgresBackend, in the e2e run's
 * embedded Postgres: one fresh schema for this file, migrated as a replica migrates it at
 * boot, its tables emptied before each test, dropped at the end.
 */
const TABLES = ['secret_state', 'secret_version', 'tx_record', 'idempotency_record', 'replica_meta'];

describe('ReplicaState contract: StateStore over PostgresBackend', () => {
  const schema = `contract_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string;
  let db: DataSource;
  let pool: Pool;

  beforeAll(async () => {
    const url = process.env.VAULT_E2E_DATABASE_URL;
    if (!url) throw new Error('VAULT_E2E_DATABASE_URL is not set: run through jest (the e2e global setup starts Postgres)');
    databaseUrl = url;
    const config = loadConfig({
      VAULT_NODE_ID: SELF,
      VAULT_PEERS: `${SELF}=http://127.0.0.1:1,n2=http://127.0.0.1:2,n3=http://127.0.0.1:3`,
      DATABASE_URL: databaseUrl,
      VAULT_DB_SCHEMA: schema,
      VAULT_PEER_SECRET: randomBytes(32).toString('hex'),
      VAULT_API_TOKEN: randomBytes(16).toString('hex'),
    });
    // The migrations as classes: the options' glob names compiled files under dist/.
    const options = { ...dataSourceOptions(config), migrations: [InitialSchema1764115200000, PaxosCommitAndSalts1764201600000] } as DataSourceOptions;
    db = await openDatabase(options);
    pool = poolOf(db);
  });

  beforeEach(async () => {
    await pool.query(`TRUNCATE ${TABLES.join(', ')}`);
  });

  afterAll(async () => {
    await db?.destroy();
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      // openDatabase holds the schema's claim on a connection of its own for the process's life.
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`vault-schema-claim-${schema}`]);
    } finally {
      await admin.end();
    }
  });

  replicaStateContract(async (clock, ids) => {
    const open = async () => {
      const store = new StateStore(new PostgresBackend(pool), SELF, clock, ids);
      await store.start();
      return store;
    };
    return { state: await open(), shareRows: () => shareRows(pool), reopen: open };
  });

  // Postgres only: the shares table is rewritten (VACUUM FULL) to erase destroyed bytes.
  it('rewrites the shares table after a write that destroyed share bytes, and not after writes that destroyed none', async () => {
    const clock = new VirtualClock(1_750_000_000_000);
    const ids = seededIds(3, 0xe7a5);
    const backend = new PostgresBackend(pool);
    const state = new StateStore(backend, SELF, clock, ids);
    await state.start();
    await state.markCaughtUp(false);
    await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
    const settled = () => new Promise((resolve) => setTimeout(resolve, ERASURE_DELAY_MS + 1500));

    // A create and an update: their commits drop "whatever is still prepared" and destroy
    // "shares of another lifetime", and both find nothing.
    const create = txHeader(ids, clock, ['S']);
    expect(await state.prepare(create, payload([item('S', 'create', await splitOf(ids, 'one'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    const lifetimeId = ids.uuid();
    await state.decide(create, 'commit', decision([decided('S', 'create', { lifetimeId, revision: 1, version: 1, at: clock.now() })]));
    await clock.advance(10);
    const update = txHeader(ids, clock, ['S']);
    expect(await state.prepare(update, payload([item('S', 'update', await splitOf(ids, 'two'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    await state.decide(update, 'commit', decision([decided('S', 'update', { lifetimeId, revision: 2, version: 2, at: clock.now() })]));
    await settled();
    expect(backend.vacuums).toBe(0);

    // An abort drops a prepared share: its bytes are rewritten out of the table.
    const aborted = txHeader(ids, clock, ['T']);
    expect(await state.prepare(aborted, payload([item('T', 'create', await splitOf(ids, 'three'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    await state.decide(aborted, 'abort', null);
    await settled();
    expect(backend.vacuums).toBe(1);
    await backend.close();
  }, 30_000);
});

async function shareRows(pool: Pool): Promise<ShareRowView[]> {
  const { rows } = await pool.query(
    `SELECT name, lifetime_id, version, split_id, state, encode(share, 'base64') AS share, encode(share_salt, 'base64') AS salt,
            (extract(epoch FROM valid_from) * 1000)::float8 AS valid_from, (extract(epoch FROM valid_to) * 1000)::float8 AS valid_to, tx_id
       FROM secret_version`,
  );
  return rows.map((r) => ({
    name: r.name,
    lifetimeId: r.lifetime_id,
    version: r.version,
    splitId: r.split_id,
    state: r.state,
    // encode(..., 'base64') wraps lines every 76 characters.
    share: r.share === null ? null : (r.share as string).replace(/\n/g, ''),
    salt: r.salt === null ? null : (r.salt as string).replace(/\n/g, ''),
    validFrom: r.valid_from,
    validTo: r.valid_to,
    txId: r.tx_id,
  }));
}
