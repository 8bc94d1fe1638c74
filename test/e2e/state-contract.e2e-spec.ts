import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { InitialSchema1764115200000 } from '../../migrations/1764115200000-InitialSchema';
import { PaxosCommitAndSalts1764201600000 } from '../../migrations/1764201600000-PaxosCommitAndSalts';
import { LeanShareIndexes1764374400000 } from '../../migrations/1764374400000-LeanShareIndexes';
import { ShareBytesApart1764460800000 } from '../../migrations/1764460800000-ShareBytesApart';
import { PackedManifests1764547200000 } from '../../migrations/1764547200000-PackedManifests';
import { openDatabase, poolOf } from '../../src/vault/database';
import { seededIds } from '../../src/common/testing/seeded-ids';
import { VirtualClock } from '../../src/common/testing/virtual-clock';
import { ERASURE_DELAY_MS, PostgresBackend } from '../../src/vault/state/postgres-backend';
import { STATE_LOSS_MARGIN_MS } from '../../src/vault/state/replica-machine';
import { StateStore } from '../../src/vault/state/replica-state';
import { decided, decision, item, LOCK_TTL_MS, payload, SELF, splitOf, txHeader } from '../../src/vault/state/testing/fixtures';
import { replicaStateContract, ShareRowView } from '../../src/vault/state/testing/replica-state.contract';
import { e2eDatabaseUrl } from '../support/e2e-database';
import { replicaSchemaOptions } from '../support/replica-schema';

/**
 * The ReplicaState contract against StateStore over PostgresBackend, in the e2e run's
 * embedded Postgres: one fresh schema for this file, migrated as a replica migrates it at
 * boot, its tables emptied before each test, dropped at the end.
 */
const TABLES = ['secret_state', 'secret_version', 'secret_share', 'tx_record', 'idempotency_record', 'replica_meta'];

describe('ReplicaState contract: StateStore over PostgresBackend', () => {
  const schema = `contract_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string;
  let db: DataSource;
  let pool: Pool;
  /** The connection options every replica's pool is opened with. */
  let connectionOptions: string;

  beforeAll(async () => {
    databaseUrl = e2eDatabaseUrl();
    const options = replicaSchemaOptions(databaseUrl, schema, [
      InitialSchema1764115200000,
      PaxosCommitAndSalts1764201600000,
      LeanShareIndexes1764374400000,
      ShareBytesApart1764460800000,
      PackedManifests1764547200000,
    ]);
    connectionOptions = (options.extra as { options: string }).options;
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

  // A statement's cached generic plan is made from the tables' size at the time: on a fresh
  // replica, a plan made on empty tables scanned them whole ever after (docs/benchmarks.md).
  it('still looks rows up by index after the tables grew, on a connection that first loaded and fetched while they were empty', async () => {
    const single = new Pool({ connectionString: databaseUrl, max: 1, options: connectionOptions });
    const backend = new PostgresBackend(single);
    const grown = ['secret_state', 'tx_record', 'secret_version'];
    /** One count from the statistics views, with this connection's counters in it. */
    const statistic = async (sql: string, params: unknown[]): Promise<number> => {
      // This connection's counters reach the shared statistics at the end of this statement.
      await single.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await pool.query(sql, params);
      return rows[0].count;
    };
    const seqScans = () => statistic(`SELECT sum(seq_scan)::int AS count FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = ANY($2)`, [schema, grown]);
    const run = () =>
      Promise.all([
        backend.load({ names: ['grown_17', 'grown_4242'], txIds: ['00000000-0000-4000-8000-000000000017'], idempotency: [] }),
        backend.fetch([{ name: 'grown_17' }, { name: 'grown_4242', version: 1 }]),
      ]);
    // Entries read from the index of committed versions: the statements that find committed
    // versions by name must probe it for those names, not read it whole.
    const committedIndexReads = () =>
      statistic(`SELECT idx_tup_read::int AS count FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = 'secret_version_committed_uq'`, [schema]);
    try {
      // As on a fresh replica, the planner has no statistics of the grown tables: autovacuum
      // would analyse them at a moment of its choosing.
      for (const table of grown) await single.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      // More executions than Postgres needs before it settles on a cached generic plan (5).
      for (let i = 0; i < 12; i++) await run();
      await single.query(`INSERT INTO secret_state (name, lifetime_id, revision, status, current_version, last_valid_from, change_seq)
        SELECT 'grown_' || g, gen_random_uuid(), 1, 'live', 1, now(), g FROM generate_series(1, 20000) g`);
      await single.query(`INSERT INTO tx_record (tx_id, coordinator, created_at) SELECT gen_random_uuid(), 'n2', now() FROM generate_series(1, 20000)`);
      await single.query(`INSERT INTO secret_version (name, lifetime_id, version, split_id, manifest, valid_from, state, tx_id)
        SELECT s.name, s.lifetime_id, 1, gen_random_uuid(), '\\x0100'::bytea, now(), 'committed', gen_random_uuid() FROM secret_state s`);
      const before = await seqScans();
      const [, fetched] = await run();
      expect(fetched.map((found) => found.row?.name)).toEqual(['grown_17', 'grown_4242']);
      expect((await seqScans()) - before).toBe(0);

      // The statements that promote and drop a transaction's prepared shares find them
      // through the index of prepared shares, not by reading the grown table.
      const clock = new VirtualClock(1_750_000_000_000);
      const ids = seededIds(3, 0x5eed);
      const state = new StateStore(backend, SELF, clock, ids);
      await state.start();
      await state.markCaughtUp(false);
      await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
      const beforeWrites = await seqScans();
      const indexReadsBefore = await committedIndexReads();
      // Thirty names in one transaction, as a batch of creates (or a .env of thirty enc()) commits them.
      const created = Array.from({ length: 30 }, (_, i) => `grown_new_${i}`);
      const committed = txHeader(ids, clock, created);
      const splits = await Promise.all(created.map((name) => splitOf(ids, `kept ${name}`)));
      expect(await state.prepare(committed, payload(created.map((name, i) => item(name, 'create', splits[i]))), LOCK_TTL_MS)).toMatchObject({ yes: true });
      const at = clock.now();
      await state.decide(committed, 'commit', decision(created.map((name) => decided(name, 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at }))));
      const aborted = txHeader(ids, clock, ['grown_other']);
      expect(await state.prepare(aborted, payload([item('grown_other', 'create', await splitOf(ids, 'dropped'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
      await state.decide(aborted, 'abort', null);
      // An update closes the version before it: found by name, lifetime and version.
      const [{ lifetime_id: grownLifetime }] = (await single.query(`SELECT lifetime_id FROM secret_state WHERE name = 'grown_4242'`)).rows;
      const updated = txHeader(ids, clock, ['grown_4242']);
      expect(await state.prepare(updated, payload([item('grown_4242', 'update', await splitOf(ids, 'next'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
      await state.decide(updated, 'commit', decision([decided('grown_4242', 'update', { lifetimeId: grownLifetime, revision: 2, version: 2, at: clock.now() })]));
      expect((await seqScans()) - beforeWrites).toBe(0);
      // The create's commit looks for committed versions of its names from other lifetimes
      // (none), the update's closes one and promotes one: a probe per name, where reading the
      // index whole is 20,000 entries.
      expect((await committedIndexReads()) - indexReadsBefore).toBeLessThan(100);
    } finally {
      for (const table of grown) await pool.query(`ALTER TABLE ${table} RESET (autovacuum_enabled)`);
      await single.end();
    }
  }, 60_000);

  // A commit destroys, promotes, closes and drops prepared shares: kinds of change that
  // take disjoint rows, so they run as one statement (docs/storage.md, "Statements: a batch of
  // writes in one round trip"), where they were a transaction of six round trips.
  it('applies a commit of an update, a create and a re-create as one statement, with no transaction around it', async () => {
    const clock = new VirtualClock(1_750_000_000_000);
    const ids = seededIds(3, 0x0c0a);
    const statements: string[] = [];
    let transactions = 0;
    const counted = new Proxy(pool, {
      get(target, key) {
        if (key === 'query') return (config: string | { text: string }, ...rest: unknown[]) => {
          statements.push(typeof config === 'string' ? config : config.text);
          return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
        };
        if (key === 'connect') return () => ((transactions += 1), target.connect());
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const state = new StateStore(new PostgresBackend(counted), SELF, clock, ids);
    await state.start();
    await state.markCaughtUp(false);
    await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
    const first = txHeader(ids, clock, ['S', 'R']);
    const firstSplits = [await splitOf(ids, 's one'), await splitOf(ids, 'r one')];
    expect(await state.prepare(first, payload([item('S', 'create', firstSplits[0]), item('R', 'create', firstSplits[1])]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    const lifetimeS = ids.uuid();
    const oldLifetimeR = ids.uuid();
    await state.decide(first, 'commit', decision([
      decided('R', 'create', { lifetimeId: oldLifetimeR, revision: 1, version: 1, at: clock.now() }),
      decided('S', 'create', { lifetimeId: lifetimeS, revision: 1, version: 1, at: clock.now() }),
    ]));
    await clock.advance(10);

    // One transaction: S's next version (promote, close), T's first (promote), R re-created
    // in a new lifetime (destroy the old one's share, promote), and U prepared but left out
    // of the decision (dropped).
    const second = txHeader(ids, clock, ['R', 'S', 'T', 'U']);
    const splits = await Promise.all(['s two', 'r new', 't one', 'u one'].map((value) => splitOf(ids, value)));
    expect(
      await state.prepare(
        second,
        payload([item('S', 'update', splits[0]), item('R', 'create', splits[1]), item('T', 'create', splits[2]), item('U', 'create', splits[3])]),
        LOCK_TTL_MS,
      ),
    ).toMatchObject({ yes: true });
    const at = clock.now();
    const lifetimeR = ids.uuid();
    statements.length = 0;
    transactions = 0;
    await state.decide(second, 'commit', decision([
      decided('R', 'create', { lifetimeId: lifetimeR, revision: 2, version: 1, at }),
      decided('S', 'update', { lifetimeId: lifetimeS, revision: 2, version: 2, at }),
      decided('T', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at }),
    ]));
    expect(transactions).toBe(0);
    expect(statements.filter((sql) => /secret_version/.test(sql) && !/^\s*(WITH looked_up|SELECT)/.test(sql))).toHaveLength(1);

    const rows = await shareRows(pool);
    const view = (name: string) => rows.filter((row) => row.name === name).map((row) => [row.lifetimeId, row.version, row.state, row.validFrom, row.validTo]).sort();
    expect(view('S')).toEqual([[lifetimeS, 1, 'committed', expect.any(Number), at], [lifetimeS, 2, 'committed', at, null]].sort());
    expect(view('R')).toEqual([[lifetimeR, 1, 'committed', at, null], [oldLifetimeR, 1, 'destroyed', expect.any(Number), null]].sort());
    expect(view('T').map(([, version, state]) => [version, state])).toEqual([[1, 'committed']]);
    expect(view('U')).toEqual([]);
    expect(rows.filter((row) => row.state === 'destroyed').every((row) => row.share === null)).toBe(true);
    expect(rows.filter((row) => row.state === 'committed').every((row) => row.share !== null)).toBe(true);
  }, 30_000);

  // Every index entry is a WAL record and a page write on every replica, for every write
  // (docs/storage.md, "Indexes"). Counted from the WAL itself (pg_walinspect), for this
  // schema's indexes only, so other suites writing to the same Postgres do not count.
  it('writes five index entries for a create: the version row its key twice, its transaction while prepared, its version once committed; its bytes their key', async () => {
    const clock = new VirtualClock(1_750_000_000_000);
    const ids = seededIds(3, 0x1dc5);
    const state = new StateStore(new PostgresBackend(pool), SELF, clock, ids);
    await state.start();
    await state.markCaughtUp(false);
    await clock.advance(STATE_LOSS_MARGIN_MS + 30_000);
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect SCHEMA public');
    // After TRUNCATE (beforeEach) each index has a new file: look its number up now.
    const { rows: indexes } = await pool.query<{ name: string; file: string }>(
      `SELECT c.relname AS name, c.relfilenode::text AS file FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ANY($1::regclass[])`,
      [[`"${schema}".secret_version`, `"${schema}".secret_share`]],
    );
    const lsn = async () => (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;

    const start = await lsn();
    const create = txHeader(ids, clock, ['S']);
    expect(await state.prepare(create, payload([item('S', 'create', await splitOf(ids, 'one'))]), LOCK_TTL_MS)).toMatchObject({ yes: true });
    await state.decide(create, 'commit', decision([decided('S', 'create', { lifetimeId: ids.uuid(), revision: 1, version: 1, at: clock.now() })]));
    const end = await lsn();

    const { rows } = await pool.query<{ file: string; entries: number }>(
      `SELECT relfilenode::text AS file, count(*)::int AS entries FROM public.pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn)
        WHERE resource_manager = 'Btree' AND record_type = 'INSERT_LEAF' AND relfilenode = ANY($3::oid[]) GROUP BY relfilenode`,
      [start, end, indexes.map((index) => index.file)],
    );
    const byIndex = Object.fromEntries(rows.map((row) => [indexes.find((index) => index.file === row.file)!.name, row.entries]));
    expect(byIndex).toEqual({ secret_version_pkey: 2, secret_version_prepared_tx_idx: 1, secret_version_committed_uq: 1, secret_share_pkey: 1 });
  }, 30_000);
});

async function shareRows(pool: Pool): Promise<ShareRowView[]> {
  const { rows } = await pool.query(
    `SELECT name, lifetime_id, version, split_id, state, encode(b.share, 'base64') AS share, encode(b.share_salt, 'base64') AS salt,
            (extract(epoch FROM valid_from) * 1000)::float8 AS valid_from, (extract(epoch FROM valid_to) * 1000)::float8 AS valid_to, tx_id
       FROM secret_version v LEFT JOIN secret_share b ON b.version_id = v.id`,
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
