import { TestCluster } from '../support/cluster';
import { VaultClient } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';

/**
 * Tokens with policies (docs/security.md) on a real 3-replica cluster: a token created on
 * one replica works on the others at once; its policy allows, denies by pattern and by deny
 * rule; expired and revoked tokens are refused on every replica, a revoked one before the
 * revoke answers; a .env file fails whole when one of its names is not allowed; the rate
 * limit answers 429 and recovers.
 */
describe('tokens with policies (3 real replicas, k=2, m=2)', () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  const value = suite.value;
  let cluster: TestCluster;
  let admin: VaultClient[];
  beforeAll(() => {
    cluster = suite.cluster;
    admin = [0, 1, 2].map((i) => cluster.client(i));
  });

  /** Creates a token through replica `at` and adds it (and its secret part) to the final plaintext scan. */
  async function token(body: Record<string, unknown>, at = 0): Promise<{ id: string; token: string }> {
    const created = await admin[at].createToken(body);
    expect(created.status).toBe(201);
    suite.written.push(created.body.token, created.body.token.split('_').slice(2).join('_'));
    return created.body;
  }
  const as = (index: number, t: string) => cluster.client(index).as(t);

  it('creates a token on one replica that every other replica accepts at once, and shows it only then', async () => {
    const v = value('first');
    expect((await admin[0].create('app1.first', v)).status).toBe(201);
    const created = await admin[1].createToken({ name: 'reader-app1', rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.*'] }] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'reader-app1',
      token: expect.stringMatching(/^vt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
      expiresAt: null,
    });
    suite.written.push(created.body.token, created.body.token.split('_').slice(2).join('_'));
    // No waiting: the record was committed on a quorum before the create answered.
    for (const i of [2, 0]) expect((await as(i, created.body.token).read('app1.first')).body).toMatchObject({ value: v });

    const inspected = await admin[2].getToken(created.body.id);
    expect(inspected.status).toBe(200);
    expect(inspected.body).toEqual({
      id: created.body.id,
      name: 'reader-app1',
      rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.*'] }],
      createdAt: created.body.createdAt,
      createdBy: { id: 'bootstrap', name: 'bootstrap' },
      expiresAt: null,
      revokedAt: null,
      expired: false,
      revoked: false,
    });
    // The secret is base64url and may itself hold '_': everything after the id is the secret.
    expect(inspected.text).not.toContain(created.body.token.split('_').slice(2).join('_'));
    const listed = await admin[0].listTokens();
    expect(listed.body.tokens).toContainEqual({ id: created.body.id, name: 'reader-app1', createdAt: created.body.createdAt, expiresAt: null, expired: false });
  });

  it('allows what the policy grants, and refuses with 403 what a pattern does not cover or a deny rule takes back', async () => {
    const app2 = value('app2');
    expect((await admin[0].create('app2.secret', app2)).status).toBe(201);
    expect((await admin[0].create('app1.temp', value('temp'))).status).toBe(201);
    const t = await token({
      name: 'app1-team',
      rules: [
        { effect: 'allow', capabilities: ['read', 'list', 'write'], names: ['app1.*', 'DB_*'] },
        { effect: 'deny', capabilities: ['write', 'read'], names: ['app1.locked*'] },
        { effect: 'allow', capabilities: ['delete'], names: ['app1.temp'] },
      ],
    });
    const mine = value('mine');
    // Allowed: write, read, list on app1.*, delete on the exact name.
    expect((await as(0, t.token).create('app1.db', mine)).status).toBe(201);
    expect((await as(1, t.token).update('app1.db', value('mine2'))).status).toBe(200);
    expect((await as(2, t.token).read('app1.db', 1)).body).toMatchObject({ value: mine });
    expect((await as(2, t.token).versions('app1.db')).body.versions).toHaveLength(2);
    expect((await as(1, t.token).create('DB_MAIN', value('db'))).status).toBe(201);
    expect((await as(0, t.token).delete('app1.temp')).status).toBe(200);

    // Denied by pattern: the name exists, and nothing of its value comes back.
    const outside = await as(1, t.token).read('app2.secret');
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', capability: 'read', name: 'app2.secret' });
    expect(outside.text).not.toContain(app2);
    // Denied for a name that does not exist either: no existence oracle.
    expect((await as(1, t.token).read('app2.nothing')).body).toMatchObject({ code: 'FORBIDDEN', name: 'app2.nothing' });
    // Denied by a deny rule that overlaps the allow rule; nothing written.
    const locked = await as(2, t.token).create('app1.locked.key', value('locked'));
    expect(locked.status).toBe(403);
    expect(locked.body).toMatchObject({ code: 'FORBIDDEN', capability: 'write', name: 'app1.locked.key' });
    expect((await admin[0].read('app1.locked.key')).status).toBe(404);
    // A capability the token does not have on a name it may otherwise use.
    expect((await as(0, t.token).delete('app1.db')).body).toMatchObject({ code: 'FORBIDDEN', capability: 'delete', name: 'app1.db' });
    expect((await admin[0].read('app1.db')).status).toBe(200);
    // Token management needs admin.
    expect((await as(0, t.token).listTokens()).body).toMatchObject({ code: 'FORBIDDEN', capability: 'admin' });
    expect((await as(0, t.token).createToken({ name: 'escalate', rules: [{ effect: 'allow', capabilities: ['admin'], names: ['*'] }] })).status).toBe(403);
    expect((await as(0, t.token).audit()).status).toBe(403);
    // /status needs any valid token only.
    expect((await as(1, t.token).status()).status).toBe(200);
  });

  it('refuses unknown, malformed and missing tokens with 401 on every replica', async () => {
    const real = await token({ name: 'real', rules: [] });
    const forged = real.token.slice(0, -4) + (real.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const i of [0, 1, 2]) {
      for (const bad of [forged, `vt_0123456789abcdef_${'A'.repeat(43)}`, 'not-a-token', real.token.replace('vt_', 'xt_')]) {
        const answer = await as(i, bad).read('app1.first');
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
    }
    // A token without rules is valid but may do nothing.
    expect((await as(0, real.token).read('app1.first')).body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('reserves the _vault. prefix: client requests on such names are 400, for the bootstrap token too', async () => {
    for (const answer of [await admin[0].read('_vault.tokens'), await admin[1].create('_vault.mine', 'x'), await admin[2].delete('_vault.tokens'), await admin[0].versions('_vault.tokens')]) {
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(answer.body.details[0].message).toContain('_vault.');
    }
    const env = await admin[0].envText('A=secret(_vault.tokens)\n_vault.x=enc(y)\n');
    expect(env.status).toBe(400);
    expect(env.body.details.map((d: { line: number }) => d.line)).toEqual([1, 2]);
  });

  it('refuses an expired token with 401 on every replica', async () => {
    const t = await token({ name: 'short-lived', ttlSeconds: 1, rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.first'] }] });
    expect((await as(1, t.token).read('app1.first')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    for (const i of [0, 1, 2]) {
      const answer = await as(i, t.token).read('app1.first');
      expect(answer.status).toBe(401);
      expect(answer.body.message).toContain('expired');
    }
    expect((await admin[0].getToken(t.id)).body).toMatchObject({ expired: true, revoked: false });
  });

  it('revokes on one replica: every replica refuses the token before the revoke answers', async () => {
    const t = await token({
      name: 'to-revoke',
      rateLimit: { perSecond: 100_000, burst: 100_000 },
      rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.first'] }],
    });
    // Every replica has the token cached.
    for (const i of [0, 1, 2]) expect((await as(i, t.token).read('app1.first')).status).toBe(200);

    // Requests keep coming on the other replicas while the revoke runs.
    const during: Array<{ replica: number; sentAt: number; answeredAt: number; status: number }> = [];
    let stop = false;
    const hammer = async (replica: number) => {
      while (!stop) {
        const sentAt = performance.now();
        const answer = await as(replica, t.token).read('app1.first');
        during.push({ replica, sentAt, answeredAt: performance.now(), status: answer.status });
      }
    };
    const hammers = [hammer(1), hammer(2)];
    const started = performance.now();
    const revoked = await admin[0].revokeToken(t.id);
    const revokeAnsweredAt = performance.now();
    stop = true;
    await Promise.all(hammers);

    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: t.id, revoked: true, revokedAt: expect.any(String) });
    // Immediately after the answer: refused everywhere.
    for (const i of [0, 1, 2]) {
      const answer = await as(i, t.token).read('app1.first');
      expect(answer.status).toBe(401);
      expect(answer.body.message).toContain('revoked');
    }
    // While it ran, each of the other replicas served the token, then refused it before the
    // revoke answered, and never served it again once it had refused it.
    expect(during.every((d) => d.status === 200 || d.status === 401)).toBe(true);
    for (const replica of [1, 2]) {
      const mine = during.filter((d) => d.replica === replica);
      const refusedAt = Math.min(...mine.filter((d) => d.status === 401).map((d) => d.answeredAt));
      expect({ replica, servedFirst: mine[0].status }).toEqual({ replica, servedFirst: 200 });
      expect({ replica, refusedBeforeAnswer: refusedAt < revokeAnsweredAt }).toEqual({ replica, refusedBeforeAnswer: true });
      expect(mine.filter((d) => d.sentAt > refusedAt && d.status === 200)).toEqual([]);
    }
    // It waited out the replicas' cache (VAULT_TOKEN_CACHE_TTL_MS, 2 s by default).
    expect(revokeAnsweredAt - started).toBeGreaterThanOrEqual(2000);

    expect((await admin[2].listTokens()).body.tokens.map((x: { id: string }) => x.id)).not.toContain(t.id);
    expect((await admin[1].getToken(t.id)).body).toMatchObject({ revoked: true });
    // Revoking again answers the same record; an unknown id is 404, a malformed one 400.
    expect((await admin[1].revokeToken(t.id)).body).toMatchObject({ id: t.id, revoked: true, revokedAt: revoked.body.revokedAt });
    expect((await admin[1].revokeToken('0123456789abcdef')).body).toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    expect((await admin[1].getToken('NOT-AN-ID')).status).toBe(400);
  });

  it('fails a .env file whole with 403 when the token may not read one reference or write one enc name', async () => {
    const db = value('env-db');
    expect((await admin[0].create('app1.env_db', db)).status).toBe(201);
    expect((await admin[0].create('app3.other', value('env-other'))).status).toBe(201);
    const t = await token({
      name: 'env-app1',
      rules: [
        { effect: 'allow', capabilities: ['env', 'read', 'write'], names: ['app1.*'] },
        { effect: 'deny', capabilities: ['read'], names: ['app1.first'] },
      ],
    });
    const content = [`A=secret(app1.env_db)`, `B=secret(app3.other)`, `app1.made=enc(${value('made')})`, `C=secret(app1.first)`, `other.made=enc(${value('other')})`].join('\n') + '\n';
    const refused = await as(1, t.token).envText(content);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', capability: 'read', name: 'app3.other' });
    expect(refused.body.details).toEqual([
      { capability: 'read', name: 'app3.other', message: expect.any(String) },
      { capability: 'read', name: 'app1.first', message: expect.any(String) },
      { capability: 'write', name: 'other.made', message: expect.any(String) },
    ]);
    expect(refused.text).not.toContain(db);
    // All or nothing: not even the allowed enc(...) name was created.
    expect((await admin[0].read('app1.made')).status).toBe(404);
    expect((await admin[0].read('other.made')).status).toBe(404);

    // The same token with a file it is allowed all of.
    const ok = await as(2, t.token).envJson(`A=secret(app1.env_db)\napp1.made=enc(${value('made2')})\n`);
    expect(ok.status).toBe(200);
    expect(ok.body.created).toEqual(['app1.made']);
    // A token without env may not use the endpoint at all.
    const reader = await token({ name: 'no-env', rules: [{ effect: 'allow', capabilities: ['read'], names: ['*'] }] });
    expect((await as(0, reader.token).envText('A=secret(app1.env_db)\n')).body).toMatchObject({ code: 'FORBIDDEN', capability: 'env' });
  });

  it('rate-limits a token per replica with 429 and Retry-After, then recovers', async () => {
    const t = await token({ name: 'limited', rateLimit: { perSecond: 1, burst: 2 }, rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.first'] }] });
    const client = as(0, t.token);
    expect((await client.read('app1.first')).status).toBe(200);
    expect((await client.read('app1.first')).status).toBe(200);
    const limited = await client.read('app1.first');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(limited.headers.get('retry-after')).toBe('1');
    // Another replica keeps its own bucket.
    expect((await as(1, t.token).read('app1.first')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000 * Number(limited.headers.get('retry-after'))));
    expect((await client.read('app1.first')).status).toBe(200);
    // The bootstrap token is not limited.
    const answers = await Promise.all(Array.from({ length: 20 }, () => admin[0].read('app1.first')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });

  it('creates a token once under an Idempotency-Key: a retry on another replica answers the same id without the token', async () => {
    const body = { name: 'idempotent', rules: [{ effect: 'allow', capabilities: ['read'], names: ['app1.first'] }] };
    const first = await admin[0].createToken(body, { 'idempotency-key': 'token-create-1' });
    expect(first.status).toBe(201);
    suite.written.push(first.body.token);
    const retry = await admin[2].createToken(body, { 'idempotency-key': 'token-create-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ id: first.body.id, name: 'idempotent', createdAt: first.body.createdAt, expiresAt: null });
    const listed = (await admin[1].listTokens()).body.tokens.filter((x: { name: string }) => x.name === 'idempotent');
    expect(listed).toHaveLength(1);
    expect((await as(1, first.body.token).read('app1.first')).status).toBe(200);
    const reused = await admin[1].createToken({ ...body, name: 'other' }, { 'idempotency-key': 'token-create-1' });
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses invalid token definitions with 400 and the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', rules: [{ effect: 'maybe', capabilities: ['read'], names: ['*'] }] }, 'rules.0.effect'],
      [{ name: 'x', rules: [{ effect: 'allow', capabilities: ['sudo'], names: ['*'] }] }, 'rules.0.capabilities'],
      [{ name: 'x', rules: [{ effect: 'allow', capabilities: ['read'], names: ['bad name'] }] }, 'rules.0.names'],
      [{ name: 'x', rules: [{ effect: 'allow', capabilities: ['read'], names: [] }] }, 'rules.0.names'],
      [{ name: ' spaced', rules: [] }, 'name'],
      [{ name: 'x', rules: [], ttlSeconds: 0 }, 'ttlSeconds'],
      [{ name: 'x', rules: [], owner: 'me' }, 'owner'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin[0].createToken(body);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });
});
