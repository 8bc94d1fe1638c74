import { createHash } from 'node:crypto';
import { eventually, TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';
import { unpackManifest } from '../../src/vault/state/manifest-codec';

/**
 * Create and update (docs/model.md, "The write flow"): Shamir shares over a quorum two-phase commit, on a
 * real 5-replica cluster (k=3, m=3) of separate processes on a real Postgres.
 */
describe('create and update (5 real replicas, k=3, m=3)', () => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3, b: 1 });
  const value = suite.value;
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });

  it('creates a secret on one replica and reads it back from every replica', async () => {
    const secret = value('create');
    const created = await cluster.client(0).create('DB_PASSWORD', secret);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/secrets/DB_PASSWORD');
    expect(created.body).toEqual({ name: 'DB_PASSWORD', version: 1, validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    for (let i = 0; i < 5; i++) {
      const read = await cluster.client(i).read('DB_PASSWORD');
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ name: 'DB_PASSWORD', version: 1, value: secret, validFrom: created.body.validFrom, validTo: null });
    }
  });

  it('keeps one share per replica, with one split id and a salted digest, and no replica holds the value', async () => {
    const rows = [];
    for (let i = 0; i < 5; i++) {
      const [row] = await cluster.query<{ share: Buffer; share_salt: Buffer; share_digest: string; split_id: string; manifest: Buffer; state: string; version: number }>(
        i,
        `SELECT b.share, b.share_salt, v.share_digest, v.split_id, v.manifest, v.state, v.version FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = 'DB_PASSWORD'`,
      );
      rows.push(row);
    }
    expect(new Set(rows.map((r) => r.split_id)).size).toBe(1);
    expect(new Set(rows.map((r) => r.share.toString('hex'))).size).toBe(5);
    rows.forEach((row, i) => {
      expect(row).toMatchObject({ state: 'committed', version: 1 });
      // The digest is salted with 16 random bytes kept only beside the share (docs/security.md).
      expect(row.share_salt).toHaveLength(16);
      expect(row.share_digest).toBe(createHash('sha256').update(row.share_salt).update(row.share).digest('hex'));
      expect(row.share_digest).not.toBe(createHash('sha256').update(row.share).digest('hex'));
      expect(unpackManifest(row.manifest)[`n${i + 1}`]).toEqual({ x: row.share[row.share.length - 1], digest: row.share_digest });
      // Padded to a length bucket: 64 bytes + the x-coordinate byte for a short value.
      expect(row.share.length).toBe(65);
    });
  });

  it('refuses to create a name that exists (409 SECRET_ALREADY_EXISTS), from any replica', async () => {
    const again = await cluster.client(3).create('DB_PASSWORD', value('dup'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'SECRET_ALREADY_EXISTS', name: 'DB_PASSWORD' });
    expect((await cluster.client(0).read('DB_PASSWORD')).body.version).toBe(1);
  });

  it('refuses to update a name that does not exist (404 SECRET_NOT_FOUND)', async () => {
    const answer = await cluster.client(2).update('NEVER_CREATED', value('missing'));
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('SECRET_NOT_FOUND');
    expect((await cluster.client(0).read('NEVER_CREATED')).status).toBe(404);
  });

  it('updates with expectedVersion only at the current version (409 VERSION_CONFLICT otherwise)', async () => {
    const stale = await cluster.client(1).update('DB_PASSWORD', value('stale'), 7);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT', expectedVersion: 7, currentVersion: 1 });
    const v2 = value('v2');
    const updated = await cluster.client(1).update('DB_PASSWORD', v2, 1);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'DB_PASSWORD', version: 2 });
    expect((await cluster.client(4).read('DB_PASSWORD')).body).toMatchObject({ version: 2, value: v2 });
  });

  it('answers 400 VALIDATION_FAILED with details for invalid names and bodies, and writes nothing', async () => {
    const client = cluster.client(0);
    const cases: Array<[Promise<{ status: number; body: any }>, string]> = [
      [client.create('9starts-with-digit', 'x'), 'name'],
      [client.create('has space', 'x'), 'name'],
      [client.create('a'.repeat(129), 'x'), 'name'],
      [client.update('bad name!', 'x'), 'name'],
      [client.read('bad name!'), 'name'],
      [client.read('DB_PASSWORD', 0), 'version'],
    ];
    for (const [pending, field] of cases) {
      const answer = await pending;
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const { request } = await import('../support/http');
    const post = (body: unknown, raw?: string) =>
      request(`${cluster.url(0)}/v1/secrets`, { method: 'POST', body, raw, headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' } });
    const missing = await post({ name: 'OK_NAME' });
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('value');
    const extra = await post({ name: 'OK_NAME', value: 'x', owner: 'me' });
    expect(extra.status).toBe(400);
    expect(extra.body.details.map((d: { field: string }) => d.field)).toContain('owner');
    const notString = await post({ name: 'OK_NAME', value: 42 });
    expect(notString.status).toBe(400);
    const malformed = await post(undefined, '{"name": "OK_NAME", "value": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
    const badExpected = await cluster.client(0).update('DB_PASSWORD', 'x', 0);
    expect(badExpected.status).toBe(400);
    expect(badExpected.body.details.map((d: { field: string }) => d.field)).toContain('expectedVersion');
    expect((await cluster.client(0).read('OK_NAME')).status).toBe(404);
    expect((await cluster.client(0).read('DB_PASSWORD')).body.version).toBe(2);
  });

  it('takes a value of exactly 64 KiB and refuses 64 KiB + 1 byte with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = value('big').padEnd(65536, 'x');
    const created = await cluster.client(2).create('BIG', big);
    expect(created.status).toBe(201);
    expect((await cluster.client(4).read('BIG')).body.value).toBe(big);
    const tooBig = await cluster.client(2).update('BIG', big + 'y');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('PAYLOAD_TOO_LARGE');
    // Bytes, not characters: 21846 three-byte characters are 65538 bytes.
    const wide = await cluster.client(2).create('WIDE', '€'.repeat(21846));
    expect(wide.status).toBe(413);
    expect((await cluster.client(0).read('BIG')).body.version).toBe(1);
    expect((await cluster.client(0).read('WIDE')).status).toBe(404);
  });

  it('lets exactly one of 20 concurrent creates of one name win; the others get 409', async () => {
    const attempts = Array.from({ length: 20 }, (_, i) => cluster.client(i % 5).create('RACE', value(`race-${i}`)));
    const answers = await Promise.all(attempts);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const answer of answers.filter((a) => a.status === 409)) expect(['SECRET_ALREADY_EXISTS', 'WRITE_CONFLICT']).toContain(answer.body.code);
    const winner = answers.findIndex((a) => a.status === 201);
    const read = await cluster.client(3).read('RACE');
    expect(read.body).toMatchObject({ version: 1, value: suite.written[suite.written.length - 20 + winner] });
  });

  it('gives 30 concurrent updates distinct, gapless versions, each holding its own value', async () => {
    expect((await cluster.client(0).create('COUNTER', value('counter-0'))).status).toBe(201);
    const values = Array.from({ length: 30 }, (_, i) => value(`counter-${i + 1}`));
    const answers = await Promise.all(values.map((v, i) => cluster.client(i % 5).update('COUNTER', v)));
    const successes = answers.map((a, i) => ({ answer: a, value: values[i] })).filter((s) => s.answer.status === 200);
    for (const failure of answers.filter((a) => a.status !== 200)) {
      expect(failure.status).toBe(409);
      expect(failure.body.code).toBe('WRITE_CONFLICT');
    }
    expect(successes.length).toBeGreaterThan(0);
    const versions = successes.map((s) => s.answer.body.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: successes.length }, (_, i) => i + 2));
    for (const success of successes) {
      const read = await cluster.client(success.answer.body.version % 5).read('COUNTER', success.answer.body.version);
      expect(read.body.value).toBe(success.value);
    }
    const history = await cluster.client(2).versions('COUNTER');
    expect(history.body.versions).toHaveLength(successes.length + 1);
  });

  it('serialises one name without holding up another', async () => {
    // A write that holds HELD's lock on three replicas (as an unfinished prepare would), its lease far away.
    for (const i of [0, 1, 2]) {
      await cluster.query(i, `INSERT INTO tx_record (tx_id, coordinator, created_at, names, vote, lease_expires_at)
        VALUES ('00000000-0000-4000-8000-00000000abcd', 'n5', now(), '{HELD}', 'yes', now() + interval '1 hour')`);
      await cluster.query(i, `INSERT INTO secret_state (name, lock_tx, change_seq) VALUES ('HELD', '00000000-0000-4000-8000-00000000abcd', 0)`);
    }
    const started = Date.now();
    const blocked = await cluster.client(3).create('HELD', value('held'));
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('WRITE_CONFLICT');
    expect(Date.now() - started).toBeGreaterThan(500); // it waited a little before giving up
    const free = await cluster.client(3).create('FREE', value('free'));
    expect(free.status).toBe(201);
    for (const i of [0, 1, 2]) {
      await cluster.query(i, `DELETE FROM secret_state WHERE name = 'HELD'`);
      await cluster.query(i, `DELETE FROM tx_record WHERE tx_id = '00000000-0000-4000-8000-00000000abcd'`);
    }
    expect((await cluster.client(3).create('HELD', value('held-2'))).status).toBe(201);
  });

  it('replays an Idempotency-Key retry sent to another replica, and refuses the key with another body', async () => {
    const secret = value('idem');
    const first = await cluster.client(0).create('IDEM', secret, { 'idempotency-key': 'create-idem-1' });
    expect(first.status).toBe(201);
    const retry = await cluster.client(3).create('IDEM', secret, { 'idempotency-key': 'create-idem-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);

    const next = value('idem-2');
    const update = await cluster.client(1).update('IDEM', next, undefined, { 'idempotency-key': 'update-idem-1' });
    expect(update.body.version).toBe(2);
    const updateRetry = await cluster.client(4).update('IDEM', next, undefined, { 'idempotency-key': 'update-idem-1' });
    expect(updateRetry.status).toBe(200);
    expect(updateRetry.body).toEqual(update.body);
    expect((await cluster.client(2).versions('IDEM')).body.versions).toHaveLength(2);

    const reused = await cluster.client(2).update('IDEM', value('other-body'), undefined, { 'idempotency-key': 'update-idem-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await cluster.client(2).read('IDEM')).body).toMatchObject({ version: 2, value: next });
  });

  it('keeps writing with two replicas down, fails the voting phase with three, and leaves nothing behind', async () => {
    const v1 = value('degraded-1');
    const v2 = value('degraded-2');
    await cluster.kill(3, 4);
    expect((await cluster.client(0).create('DEGRADED', v1)).status).toBe(201);
    expect((await cluster.client(1).update('DEGRADED', v2)).status).toBe(200);

    await cluster.kill(2);
    const failedUpdate = await cluster.client(0).update('DEGRADED', value('degraded-3'));
    expect(failedUpdate.status).toBe(503);
    expect(failedUpdate.body).toMatchObject({ code: 'VOTING_PHASE_FAILED', phase: 'voting' });
    const failedCreate = await cluster.client(1).create('NOT_WRITTEN', value('not-written'));
    expect(failedCreate.status).toBe(503);
    expect(failedCreate.body.code).toBe('VOTING_PHASE_FAILED');

    await cluster.restart([2, 3, 4]);
    for (let i = 0; i < 5; i++) {
      expect((await cluster.client(i).read('DEGRADED')).body).toMatchObject({ version: 2, value: v2 });
      expect((await cluster.client(i).read('NOT_WRITTEN')).status).toBe(404);
    }
    for (let i = 0; i < 5; i++) {
      const prepared = await cluster.query(i, `SELECT 1 FROM secret_version WHERE state = 'prepared'`);
      expect(prepared).toEqual([]);
    }
    // Not locked: the next write goes through at once.
    const v3 = value('degraded-3b');
    const next = await cluster.client(4).update('DEGRADED', v3);
    expect(next.status).toBe(200);
    expect(next.body.version).toBe(3);
    expect((await cluster.client(3).read('DEGRADED')).body.value).toBe(v3);
  });

  it('finishes a write whose coordinator died once its commit was chosen, without the coordinator ever coming back', async () => {
    await cluster.restart([0], { VAULT_FAULT_POINT: 'after-chosen' });
    const secret = value('crash');
    const during = await cluster.client(0).create('CRASHED', secret).then(
      (answer) => `answered ${answer.status}`,
      () => 'connection lost',
    );
    expect(during).toBe('connection lost'); // the connection died with the coordinator
    expect(await cluster.replicas[0].waitExit()).toBeNull(); // killed by a signal, not exited

    // The commit was chosen (m replicas accepted it) but nobody was told. The others settle
    // it among themselves once its lease ends: no replica may stay locked.
    await eventually(async () => {
      let committed = 0;
      let locked = 0;
      for (let i = 1; i < 5; i++) {
        committed += (await cluster.query(i, `SELECT 1 FROM secret_version WHERE name = 'CRASHED' AND state = 'committed' AND version = 1`)).length;
        locked += (await cluster.query(i, `SELECT 1 FROM secret_state WHERE name = 'CRASHED' AND lock_tx IS NOT NULL`)).length;
      }
      expect(committed).toBeGreaterThanOrEqual(2);
      expect(locked).toBe(0);
    }, 30_000);
    expect((await cluster.client(2).read('CRASHED')).body).toMatchObject({ version: 1, value: secret });
    expect((await cluster.client(3).update('CRASHED', value('crash-2'))).status).toBe(200);
    await cluster.restart([0]);
    expect((await cluster.client(0).read('CRASHED')).body.version).toBe(2);
  });
});
