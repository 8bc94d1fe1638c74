import { eventually, TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';

/** Threshold delete, tombstones and a secret's lifetime (docs/model.md, "Delete"), 5 real replicas. */
describe('threshold delete and lifetimes (5 real replicas, k=3, m=3)', () => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3 });
  const value = suite.value;
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });
  const liveShares = async (index: number, name: string) =>
    (await cluster.query(index, `SELECT 1 FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = $1`, [name])).length;
  const stateOf = async (index: number, name: string) =>
    (await cluster.query<{ lifetime_id: string; revision: string; status: string; current_version: number }>(
      index,
      `SELECT lifetime_id, revision, status, current_version FROM secret_state WHERE name = $1`,
      [name],
    ))[0];

  it('deletes a secret everywhere, destroying the share bytes, and a re-create starts a new lifetime at version 1', async () => {
    const old = [value('old-1'), value('old-2')];
    const created = await cluster.client(0).create('GONE', old[0]);
    const updated = await cluster.client(1).update('GONE', old[1]);
    const deleted = await cluster.client(2).delete('GONE');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ name: 'GONE', deleted: true, deletedAt: expect.any(String), shardsDestroyed: 5, destroyThreshold: 3 });
    expect(Date.parse(deleted.body.deletedAt)).toBeGreaterThan(Date.parse(updated.body.validFrom));

    for (let r = 0; r < 5; r++) {
      expect((await cluster.client(r).read('GONE')).body.code).toBe('SECRET_NOT_FOUND');
      expect((await cluster.client(r).read('GONE', 1)).body.code).toBe('SECRET_NOT_FOUND');
      expect((await cluster.client(r).versions('GONE')).status).toBe(404);
      expect(await liveShares(r, 'GONE')).toBe(0);
      const rows = await cluster.query<{ state: string }>(r, `SELECT state FROM secret_version WHERE name = 'GONE'`);
      expect(rows.map((row) => row.state)).toEqual(['destroyed', 'destroyed']);
    }
    expect((await cluster.client(3).update('GONE', value('after-delete'))).status).toBe(404);
    expect((await cluster.client(3).delete('GONE')).status).toBe(404);

    const fresh = value('new-1');
    const recreated = await cluster.client(4).create('GONE', fresh);
    expect(recreated.status).toBe(201);
    expect(recreated.body.version).toBe(1);
    expect(Date.parse(recreated.body.validFrom)).toBeGreaterThan(Date.parse(created.body.validFrom));
    for (let r = 0; r < 5; r++) {
      expect((await cluster.client(r).read('GONE')).body).toMatchObject({ version: 1, value: fresh });
      expect((await cluster.client(r).read('GONE', 2)).body.code).toBe('VERSION_NOT_FOUND');
    }
    const history = await cluster.client(0).versions('GONE');
    expect(history.body.versions).toEqual([{ version: 1, validFrom: recreated.body.validFrom, validTo: null }]);
  });

  it('answers 404 SECRET_NOT_FOUND for a name that never existed', async () => {
    const answer = await cluster.client(1).delete('NEVER_EXISTED');
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('SECRET_NOT_FOUND');
  });

  it('replays an idempotent delete retried on another replica', async () => {
    expect((await cluster.client(0).create('IDEM_DEL', value('idem-del'))).status).toBe(201);
    const first = await cluster.client(0).delete('IDEM_DEL', { 'idempotency-key': 'del-1' });
    expect(first.status).toBe(200);
    const retry = await cluster.client(3).delete('IDEM_DEL', { 'idempotency-key': 'del-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.deletedAt).toBe(first.body.deletedAt);
    const fresh = await cluster.client(3).delete('IDEM_DEL', { 'idempotency-key': 'del-2' });
    expect(fresh.status).toBe(404);
  });

  it('deletes with two replicas down; when they return they destroy their old shares and never bring it back', async () => {
    const secret = value('down-del');
    expect((await cluster.client(0).create('PARTIAL', secret)).status).toBe(201);
    await cluster.kill(3, 4);
    const deleted = await cluster.client(0).delete('PARTIAL');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ shardsDestroyed: 3, destroyThreshold: 3 });
    for (const r of [0, 1, 2]) expect(await liveShares(r, 'PARTIAL')).toBe(0);
    expect(await liveShares(3, 'PARTIAL')).toBe(1); // still there while n4 is away

    await cluster.restart([3, 4]);
    await eventually(async () => {
      expect(await liveShares(3, 'PARTIAL')).toBe(0);
      expect(await liveShares(4, 'PARTIAL')).toBe(0);
      expect((await stateOf(3, 'PARTIAL')).status).toBe('deleted');
    });
    for (let r = 0; r < 5; r++) expect((await cluster.client(r).read('PARTIAL')).status).toBe(404);
    const fresh = value('down-del-new');
    expect((await cluster.client(3).create('PARTIAL', fresh)).body.version).toBe(1);
    for (let r = 0; r < 5; r++) expect((await cluster.client(r).read('PARTIAL')).body).toMatchObject({ version: 1, value: fresh });
  });

  it('lets a replica that missed a delete and a re-create drop the old lifetime when it returns', async () => {
    const old = value('lifetime-old');
    expect((await cluster.client(0).create('RELIVED', old)).status).toBe(201);
    await cluster.kill(4);
    expect((await cluster.client(0).delete('RELIVED')).status).toBe(200);
    const fresh = value('lifetime-new');
    expect((await cluster.client(1).create('RELIVED', fresh)).status).toBe(201);
    const oldLifetime = (await stateOf(4, 'RELIVED')).lifetime_id;
    await cluster.restart([4]);
    await eventually(async () => {
      const rows = await cluster.query(4, `SELECT 1 FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = 'RELIVED' AND v.lifetime_id = $1`, [oldLifetime]);
      expect(rows).toEqual([]);
    });
    expect((await cluster.client(4).read('RELIVED')).body).toMatchObject({ version: 1, value: fresh });
  });

  it('refuses with 503 DELETE_THRESHOLD_NOT_MET when three replicas are down, and deletes nothing', async () => {
    const secret = value('threshold');
    expect((await cluster.client(0).create('KEPT', secret)).status).toBe(201);
    await cluster.kill(2, 3, 4);
    const answer = await cluster.client(0).delete('KEPT');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'DELETE_THRESHOLD_NOT_MET', destroyThreshold: 3, shardsDestroyed: 0 });
    await cluster.restart([2, 3, 4]);
    for (let r = 0; r < 5; r++) {
      expect((await cluster.client(r).read('KEPT')).body).toMatchObject({ version: 1, value: secret });
      expect(await liveShares(r, 'KEPT')).toBe(1);
    }
    expect((await cluster.client(1).delete('KEPT')).status).toBe(200);
  });

  it('ends every round of deletes racing updates and creates in one state that all replicas agree on', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `CHURN_${round}`;
      expect((await cluster.client(round % 5).create(name, value(`churn-${round}-0`))).status).toBe(201);
      const answers = await Promise.all([
        cluster.client((round + 1) % 5).delete(name),
        cluster.client((round + 2) % 5).update(name, value(`churn-${round}-1`)),
        cluster.client((round + 3) % 5).create(name, value(`churn-${round}-2`)),
        cluster.client((round + 4) % 5).update(name, value(`churn-${round}-3`)),
      ]);
      for (const answer of answers) expect([200, 201, 404, 409]).toContain(answer.status);

      await eventually(async () => {
        const states = await Promise.all([0, 1, 2, 3, 4].map((r) => stateOf(r, name)));
        const distinct = new Set(states.map((s) => JSON.stringify(s)));
        expect(distinct.size).toBe(1);
      });
      const reads = await Promise.all([0, 1, 2, 3, 4].map((r) => cluster.client(r).read(name)));
      const outcomes = new Set(reads.map((r) => (r.status === 200 ? `${r.body.version}:${r.body.value}` : String(r.status))));
      expect(outcomes.size).toBe(1);
      const state = await stateOf(0, name);
      if (state.status === 'deleted') {
        for (let r = 0; r < 5; r++) expect(await liveShares(r, name)).toBe(0);
      } else {
        expect(reads[0].status).toBe(200);
        expect(reads[0].body.version).toBe(state.current_version);
      }
    }
  });
});
