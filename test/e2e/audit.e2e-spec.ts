import { metricFamiliesInAlertRules } from '../support/alert-rules';
import { eventually, TestCluster } from '../support/cluster';
import { request, VaultClient } from '../support/http';
import { findPlaintexts, distinctivePlaintext } from '../support/plaintext-scan';

/**
 * The audit trail and the metrics (docs/security.md, docs/operations.md) on a real
 * 3-replica cluster: a record for every outcome (2xx, 4xx, 5xx) on the replica that served
 * the request, in order, with a log line of the same fields, never a value or a token; a
 * request whose record cannot be written is refused; GET /v1/audit filters and pages;
 * retention purges; /metrics on its own port moves under a short load.
 */
describe('audit trail and metrics (3 real replicas, k=2, m=2)', () => {
  let cluster: TestCluster;
  let admin: VaultClient;
  const written: string[] = [];
  const value = (label: string) => {
    const v = distinctivePlaintext(label);
    written.push(v);
    return v;
  };
  let teamToken: { id: string; token: string };

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2, metrics: true });
    admin = cluster.client(0);
    const created = await admin.createToken({ name: 'audited-team', rules: [{ effect: 'allow', capabilities: ['read', 'write', 'list'], names: ['aud.*'] }] });
    expect(created.status).toBe(201);
    teamToken = created.body;
    written.push(teamToken.token, teamToken.token.split('_').slice(2).join('_'));
  });

  afterAll(async () => {
    if (!cluster) return;
    try {
      // No value and no token in any table (the audit table included) or log.
      expect(await findPlaintexts(cluster, written)).toEqual([]);
    } finally {
      await cluster.shutdown();
    }
  });

  const idOf = (answer: { headers: Headers }) => answer.headers.get('x-request-id')!;
  const records = async (replica: number, query: Record<string, string | number> = {}) => {
    const page = await cluster.client(replica).audit({ limit: 1000, ...query });
    expect(page.status).toBe(200);
    return page.body.records as Array<Record<string, any>>;
  };

  it('records every request on the replica that served it, in order, with who, what and the outcome', async () => {
    const team = cluster.client(0).as(teamToken.token);
    const v1 = value('aud-v1');
    const answers = [
      await team.create('aud.one', v1),
      await team.read('aud.one'),
      await team.update('aud.one', value('aud-v2')),
      await team.read('aud.one', 1),
      await team.read('aud.missing'),
      await team.read('other.secret'),
      await team.create('aud.bad name', 'x'),
      await cluster.client(0).as('vt_0123456789abcdef_' + 'A'.repeat(43)).read('aud.one'),
      await team.envText('A=secret(aud.one)\n'),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 200, 404, 403, 400, 401, 403]);
    const ids = answers.map(idOf);
    const mine = (await records(0)).filter((r) => ids.includes(r.requestId));
    const expected = (i: number, stage: string, extra: Record<string, unknown>) => ({ requestId: ids[i], stage, ...extra });
    const who = { tokenId: teamToken.id, tokenName: 'audited-team' };
    expect(mine).toEqual([
      expect.objectContaining(expected(0, 'request', { ...who, operation: 'POST /v1/secrets', name: 'aud.one', status: null, code: null })),
      expect.objectContaining(expected(0, 'response', { ...who, operation: 'POST /v1/secrets', name: 'aud.one', version: 1, status: 201, code: null })),
      expect.objectContaining(expected(1, 'response', { ...who, operation: 'GET /v1/secrets/{name}', name: 'aud.one', version: 1, status: 200 })),
      expect.objectContaining(expected(2, 'request', { ...who, operation: 'PUT /v1/secrets/{name}', name: 'aud.one' })),
      expect.objectContaining(expected(2, 'response', { ...who, operation: 'PUT /v1/secrets/{name}', name: 'aud.one', version: 2, status: 200 })),
      expect.objectContaining(expected(3, 'response', { ...who, name: 'aud.one', version: 1, status: 200 })),
      expect.objectContaining(expected(4, 'response', { ...who, name: 'aud.missing', status: 404, code: 'SECRET_NOT_FOUND' })),
      expect.objectContaining(expected(5, 'response', { ...who, name: 'other.secret', status: 403, code: 'FORBIDDEN' })),
      expect.objectContaining(expected(6, 'request', { ...who, operation: 'POST /v1/secrets' })),
      expect.objectContaining(expected(6, 'response', { ...who, operation: 'POST /v1/secrets', status: 400, code: 'VALIDATION_FAILED' })),
      expect.objectContaining(expected(7, 'response', { tokenId: null, tokenName: null, status: 401, code: 'UNAUTHENTICATED' })),
      expect.objectContaining(expected(8, 'response', { ...who, operation: 'POST /v1/env', status: 403, code: 'FORBIDDEN' })),
    ]);
    // Ids increase in the order the records were written; times never go back.
    const recordIds = mine.map((r) => BigInt(r.id));
    expect([...recordIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(recordIds);
    for (let i = 1; i < mine.length; i++) expect(Date.parse(mine[i].time)).toBeGreaterThanOrEqual(Date.parse(mine[i - 1].time));
    for (const r of mine) expect(r.clientAddress).toMatch(/127\.0\.0\.1/);
    // Only the replica that served them has them.
    for (const other of [1, 2]) expect((await records(other)).filter((r) => ids.includes(r.requestId))).toEqual([]);

    // One log line per request, with the same fields (a 401 too, refused before anything else).
    await eventually(async () => {
      const log = (await cluster.logs(0)).split('\n');
      const linesOf = (id: string) => log.filter((l) => l.includes(id)).map((l) => JSON.parse(l));
      expect(linesOf(ids[4])).toEqual([
        expect.objectContaining({ msg: 'request', requestId: ids[4], tokenId: teamToken.id, tokenName: 'audited-team', operation: 'GET /v1/secrets/{name}', name: 'aud.missing', status: 404, code: 'SECRET_NOT_FOUND' }),
      ]);
      expect(linesOf(ids[7])).toEqual([expect.objectContaining({ msg: 'request', requestId: ids[7], tokenId: null, status: 401, code: 'UNAUTHENTICATED' })]);
    }, 5000);
  });

  it('refuses a request whose audit record cannot be written: a change before it is made, a read without its value', async () => {
    const kept = value('aud-kept');
    expect((await admin.create('aud.kept', kept)).status).toBe(201);
    const role = cluster.schema(0);
    await cluster.query(0, `REVOKE INSERT ON audit_log FROM "${role}"`);
    let create, read, update;
    try {
      create = await admin.create('aud.unaudited', value('aud-unaudited'));
      update = await admin.update('aud.kept', value('aud-not-written'));
      read = await admin.read('aud.kept');
    } finally {
      await cluster.query(0, `GRANT INSERT ON audit_log TO "${role}"`);
    }
    expect(create.status).toBe(503);
    expect(create.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', stage: 'request' });
    expect(update.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', stage: 'request' });
    // The read ran, but its answer was withheld: no value left the replica.
    expect(read.status).toBe(503);
    expect(read.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', stage: 'response' });
    expect(read.text).not.toContain(kept);
    expect(read.headers.get('cache-control')).toBe('no-store');
    // Nothing was changed.
    expect((await cluster.client(1).read('aud.unaudited')).status).toBe(404);
    expect((await cluster.client(2).read('aud.kept')).body).toMatchObject({ version: 1, value: kept });
    // The log still tells what happened.
    await eventually(async () => {
      const line = (await cluster.logs(0)).split('\n').find((l) => l.includes(idOf(read!)));
      expect(JSON.parse(line!)).toMatchObject({ msg: 'request', audit: 'failed', withheldStatus: 200, status: 503, code: 'AUDIT_UNAVAILABLE' });
    }, 5000);
  });

  it('keeps the table append-only for the replica\'s own login', async () => {
    const url = cluster.replicaDatabaseUrl(0);
    const { Client } = await import('pg');
    const own = new Client({ connectionString: url });
    await own.connect();
    try {
      await own.query(`SET search_path TO "${cluster.schema(0)}"`);
      await expect(own.query(`UPDATE audit_log SET status = 200`)).rejects.toThrow(/permission denied|append-only/);
      await expect(own.query(`DELETE FROM audit_log`)).rejects.toThrow(/younger than a day/);
      await expect(own.query(`TRUNCATE audit_log`)).rejects.toThrow(/permission denied/);
    } finally {
      await own.end();
    }
  });

  it('serves Prometheus metrics on VAULT_METRICS_PORT without a token, and they move under a short load', async () => {
    const scrape = async (i: number) => {
      const answer = await request(cluster.metricsUrl(i));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      return answer.text;
    };
    const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
      const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      const match = lines.filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return match.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    };
    const before = await scrape(0);
    const peerBefore = await scrape(1);
    // Not on the API port.
    expect((await request(`${cluster.url(0)}/metrics`)).status).toBe(404);

    const load = Array.from({ length: 20 }, (_, i) => i);
    await Promise.all(load.map((i) => admin.create(`aud.load${i}`, value(`load-${i}`))));
    await Promise.all(load.flatMap((i) => [admin.read(`aud.load${i}`), admin.read(`aud.load${i}`)]));
    const after = await scrape(0);

    const reads = { method: 'GET', route: '/v1/secrets/{name}', status: '200' };
    expect(sample(after, 'vault_http_requests_total', reads) - sample(before, 'vault_http_requests_total', reads)).toBeGreaterThanOrEqual(40);
    expect(sample(after, 'vault_http_request_duration_seconds_count', reads)).toBeGreaterThan(sample(before, 'vault_http_request_duration_seconds_count', reads));
    const committed = { phase: 'writing', outcome: 'committed' };
    expect(sample(after, 'vault_transactions_total', committed) - sample(before, 'vault_transactions_total', committed)).toBeGreaterThanOrEqual(20);
    expect(sample(after, 'vault_audit_records_total', { result: 'written' }) - sample(before, 'vault_audit_records_total', { result: 'written' })).toBeGreaterThanOrEqual(80);
    expect(sample(after, 'vault_audit_records_total', { result: 'failed' })).toBeGreaterThan(0);
    expect(sample(after, 'vault_read_cache_total')).toBeGreaterThan(sample(before, 'vault_read_cache_total'));
    // Replica 2 served the prepares and fetches replica 1 sent it.
    expect(sample(await scrape(1), 'vault_peer_messages_served_total') - sample(peerBefore, 'vault_peer_messages_served_total')).toBeGreaterThanOrEqual(40);
    expect(sample(after, 'vault_audit_batch_size_count')).toBeGreaterThan(0);
    expect(sample(after, 'vault_token_cache_hits_total') + sample(after, 'vault_token_lookups_total')).toBeGreaterThan(0);
    for (const peer of ['n2', 'n3']) {
      expect(sample(after, 'vault_peer_up', { peer })).toBe(1);
      expect(after).toMatch(new RegExp(`vault_peer_latency_seconds\\{[^}]*peer="${peer}"`));
    }
    for (const name of ['vault_transactions_in_doubt', 'vault_transaction_in_doubt_oldest_age_seconds', 'vault_peer_queue_depth', 'vault_state_writer_queue_depth', 'vault_audit_queue_depth', 'vault_transactions_in_progress', 'vault_rate_limited_total', 'vault_shares_skipped_total', 'vault_read_repair_total']) {
      expect(after).toContain(`# TYPE ${name} `);
    }
    expect(sample(after, 'vault_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    // Every metric the shipped alert rules read exists (the TLS ones need TLS: tls-rotation.e2e-spec.ts).
    const alerted = metricFamiliesInAlertRules().filter((name) => !name.startsWith('vault_tls_'));
    expect(alerted.length).toBeGreaterThan(10);
    expect(alerted.filter((name) => !after.includes(`# TYPE ${name} `))).toEqual([]);
    // The cluster's shape, which the write-quorum alert compares with.
    expect([sample(after, 'vault_cluster_replicas'), sample(after, 'vault_cluster_threshold'), sample(after, 'vault_cluster_write_quorum')]).toEqual([3, 2, 2]);
    // The tables' sizes, for sizing the database: the audit table holds the records just written.
    expect(sample(after, 'vault_db_table_bytes', { table: 'audit_log' })).toBeGreaterThan(8192);
    expect(sample(after, 'vault_db_table_bytes', { table: 'secret_version' })).toBeGreaterThan(0);
    expect(after).toContain('node="n1"');
    // Every replica serves its own.
    expect(await scrape(2)).toContain('node="n3"');
    // Nothing of a value or a token in the metrics.
    for (const secret of written) expect(after).not.toContain(secret);
  });

  it('filters by token, name, status, outcome and time, and pages with a cursor', async () => {
    const byToken = await records(0, { tokenId: teamToken.id, stage: 'response' });
    expect(byToken.length).toBeGreaterThanOrEqual(8);
    expect(byToken.every((r) => r.tokenId === teamToken.id && r.stage === 'response')).toBe(true);
    const byName = await records(0, { name: 'aud.one' });
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((r) => r.name === 'aud.one' || (r.names ?? []).includes('aud.one'))).toBe(true);
    expect((await records(0, { status: 403 })).every((r) => r.status === 403)).toBe(true);
    const clientErrors = await records(0, { outcome: 'client-error' });
    expect(new Set(clientErrors.map((r) => r.status))).toEqual(new Set([400, 401, 403, 404]));
    expect(await records(0, { from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await records(0, { to: '2000-01-01T00:00:00.000Z' })).toEqual([]);

    const all = await records(0, { tokenId: teamToken.id });
    const paged: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const page: { body: { records: Array<Record<string, any>>; nextCursor: string | null } } = await admin.audit({ tokenId: teamToken.id, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.body.records.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.records);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));

    expect((await admin.audit({ limit: 0 })).status).toBe(400);
    expect((await admin.audit({ outcome: 'great' })).status).toBe(400);
    expect((await admin.audit({ unknown: 'x' })).status).toBe(400);
    expect((await cluster.client(0).as(teamToken.token).audit()).body).toMatchObject({ code: 'FORBIDDEN', capability: 'admin' });
  });

  it('purges records past VAULT_AUDIT_RETENTION_DAYS', async () => {
    await cluster.query(0, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await cluster.query(
      0,
      `INSERT INTO audit_log (at, stage, request_id, operation, status) VALUES (now() - interval '40 days', 'response', 'ancient-request', 'GET /status', 200)`,
    );
    await cluster.query(0, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    const recentBefore = (await cluster.query<{ n: string }>(0, `SELECT count(*) AS n FROM audit_log WHERE at > now() - interval '1 day'`))[0].n;
    await cluster.restart([0], { VAULT_AUDIT_RETENTION_DAYS: '30' });
    await eventually(async () => {
      expect(await cluster.query(0, `SELECT 1 FROM audit_log WHERE request_id = 'ancient-request'`)).toEqual([]);
    }, 10_000);
    const recentAfter = (await cluster.query<{ n: string }>(0, `SELECT count(*) AS n FROM audit_log WHERE at > now() - interval '1 day'`))[0].n;
    expect(Number(recentAfter)).toBeGreaterThanOrEqual(Number(recentBefore));
  });

  it('records a 5xx answer too (a read with too few replicas answering to know the latest state)', async () => {
    expect((await admin.create('aud.five', value('aud-five'))).status).toBe(201);
    // The last test: m = 2 of 3, and two replicas go down for good.
    await cluster.stop(1, 2);
    const answer = await admin.read('aud.five');
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('INSUFFICIENT_SHARDS');
    const [record] = (await records(0)).filter((r) => r.requestId === idOf(answer));
    expect(record).toMatchObject({ stage: 'response', tokenId: 'bootstrap', tokenName: 'bootstrap', name: 'aud.five', status: 503, code: 'INSUFFICIENT_SHARDS' });
    expect((await records(0, { outcome: 'server-error' })).map((r) => r.code)).toContain('INSUFFICIENT_SHARDS');
  });
});
