import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, TestCluster } from '../support/cluster';
import { VaultClient } from '../support/http';

/**
 * One replica restored from an old backup (helm/vault/README.md, "Backup and restore";
 * docs/model.md, "Lost state"), on real replicas and a real Postgres. The backup is a copy
 * of every table of the replica's schema; after it the cluster updates a secret, creates
 * one and deletes one; then the replica is stopped, its tables are put back as they were
 * in the backup, the restore is marked (the one UPDATE the procedure adds), and the
 * replica is started. It must come back as a replica that lost its state: catch up from
 * its peers before it serves (the newer views, the delete), and then serve the values
 * written after its backup.
 */
/**
 * What the restore procedure runs in the restored schema before the replica starts, word
 * for word as helm/vault/README.md and docs/model.md give it: the state is one that
 * replaced another, and its unfinished transactions' votes, promises and acceptances are
 * the old state's, which may have promised or accepted more since the backup.
 */
const RESTORE_MARK = [
  'UPDATE replica_meta SET caught_up = false, created_at = now();',
  'UPDATE tx_record SET vote = NULL, promised_round = NULL, promised_node = NULL, accepted_round = NULL, accepted_node = NULL, accepted_value = NULL WHERE outcome IS NULL;',
];

describe('a replica restored from an old backup (3 replicas, k=2, m=2)', () => {
  it('is the step the documented procedure gives', () => {
    for (const doc of ['helm/vault/README.md', 'docs/model.md']) {
      const text = readFileSync(join(__dirname, '..', '..', doc), 'utf8');
      for (const statement of RESTORE_MARK) expect([doc, text.includes(statement)]).toEqual([doc, true]);
    }
  });


  let cluster: TestCluster;
  let client: VaultClient;
  const BACKUP = 'restore_backup';

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2 });
    client = cluster.client(0);
  });

  afterAll(async () => {
    await cluster?.query(2, `DROP SCHEMA IF EXISTS ${BACKUP} CASCADE`).catch(() => undefined);
    await cluster?.shutdown();
  });

  /** The replica's own tables (its schema is the search path of cluster.query). */
  const tables = async (index: number): Promise<string[]> =>
    (await cluster.query<{ name: string }>(index, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)).map((r) => r.name);

  it('catches up from its peers before it serves, and serves what was written after its backup', async () => {
    expect((await client.create('restore.updated', 'restore-old-value')).status).toBe(201);
    expect((await client.create('restore.deleted', 'restore-deleted-value')).status).toBe(201);
    // Every replica holds both (a write answers after m of 3; the third may follow).
    await eventually(async () => (await cluster.query(2, `SELECT count(*)::int AS n FROM secret_state WHERE status = 'live'`))[0].n === 2);

    const names = await tables(2);
    expect(names).toEqual(expect.arrayContaining(['secret_state', 'secret_version', 'secret_share', 'tx_record', 'replica_meta']));
    await cluster.query(2, `CREATE SCHEMA ${BACKUP}; ${names.map((t) => `CREATE TABLE ${BACKUP}.${t} AS TABLE ${t};`).join(' ')}`);

    expect((await client.update('restore.updated', 'restore-new-value')).status).toBe(200);
    expect((await client.create('restore.created', 'restore-created-value')).status).toBe(201);
    expect((await client.delete('restore.deleted')).status).toBe(200);
    await eventually(async () => (await cluster.query(2, `SELECT count(*)::int AS n FROM secret_state`))[0].n === 3);

    await cluster.stop(2);
    const restoredAt = Date.now();
    await cluster.query(
      2,
      `TRUNCATE ${names.join(', ')}; ${names.map((t) => `INSERT INTO ${t} OVERRIDING SYSTEM VALUE SELECT * FROM ${BACKUP}.${t};`).join(' ')}`,
    );
    // As restored: the old views, and a state that says it is caught up.
    expect(await cluster.query(2, `SELECT name, revision::int AS revision, status FROM secret_state ORDER BY name`)).toEqual([
      { name: 'restore.deleted', revision: 1, status: 'live' },
      { name: 'restore.updated', revision: 1, status: 'live' },
    ]);
    expect((await cluster.query(2, `SELECT caught_up FROM replica_meta`))[0].caught_up).toBe(true);
    // A transaction the backup caught unfinished, with the old state's vote, promise and
    // acceptance (as a backup taken mid-write holds one), and one decided.
    const [unfinished, decided] = [randomUUID(), randomUUID()];
    await cluster.query(
      2,
      `INSERT INTO tx_record (tx_id, coordinator, created_at, vote, lease_expires_at, promised_round, promised_node, accepted_round, accepted_node, accepted_value)
         VALUES ('${unfinished}', 'n1', now() - interval '1 minute', 'yes', now() - interval '50 seconds', 3, 'n2', 3, 'n2', 'commit');
       INSERT INTO tx_record (tx_id, coordinator, created_at, vote, promised_round, promised_node, accepted_round, accepted_node, accepted_value, outcome, decided_at)
         VALUES ('${decided}', 'n1', now() - interval '1 minute', 'yes', 1, 'n1', 1, 'n1', 'abort', 'abort', now());`,
    );
    // The step the restore procedure adds: this state replaced another, which may have promised or accepted more.
    await cluster.query(2, RESTORE_MARK.join(' '));
    const acceptorState = `SELECT vote, promised_round, accepted_value, outcome FROM tx_record WHERE tx_id = $1`;
    expect(await cluster.query(2, acceptorState, [unfinished])).toEqual([{ vote: null, promised_round: null, accepted_value: null, outcome: null }]);
    expect(await cluster.query(2, acceptorState, [decided])).toEqual([{ vote: 'yes', promised_round: 1, accepted_value: 'abort', outcome: 'abort' }]);

    await cluster.restart([2]);
    expect(await cluster.logs(2)).toMatch(/"msg":"caught up from peers"/);
    const [meta] = await cluster.query<{ caught_up: boolean; created_ms: number }>(2, `SELECT caught_up, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM replica_meta`);
    expect(meta.caught_up).toBe(true);
    expect(meta.created_ms).toBeGreaterThanOrEqual(restoredAt - 1000);
    // It adopted the newer views: the update, the create, and the delete (whose shares it destroyed).
    expect(await cluster.query(2, `SELECT name, revision::int AS revision, status FROM secret_state ORDER BY name`)).toEqual([
      { name: 'restore.created', revision: 1, status: 'live' },
      { name: 'restore.deleted', revision: 2, status: 'deleted' },
      { name: 'restore.updated', revision: 2, status: 'live' },
    ]);
    await eventually(
      async () =>
        (await cluster.query(2, `SELECT count(*)::int AS n FROM secret_share b JOIN secret_version v ON v.id = b.version_id WHERE v.name = 'restore.deleted'`))[0].n === 0,
    );

    // The unfinished one is settled with the others, none of whom knows it: abort.
    await eventually(async () => (await cluster.query(2, `SELECT outcome FROM tx_record WHERE tx_id = $1`, [unfinished]))[0].outcome === 'abort', 30_000);

    const restored = cluster.client(2);
    expect(await restored.read('restore.updated')).toMatchObject({ status: 200, body: { value: 'restore-new-value', version: 2 } });
    expect(await restored.read('restore.created')).toMatchObject({ status: 200, body: { value: 'restore-created-value' } });
    expect((await restored.read('restore.deleted')).status).toBe(404);
    // And it takes part in writes again.
    expect((await restored.update('restore.updated', 'restore-third-value')).status).toBe(200);
    expect(await client.read('restore.updated')).toMatchObject({ status: 200, body: { value: 'restore-third-value', version: 3 } });
  });
});
