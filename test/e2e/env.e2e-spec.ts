import { parse as parseDotenv } from 'dotenv';
import { TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';

/** POST /v1/env (docs/env.md): enc(...) creation and secret(...) expansion, all or nothing. */
describe('the .env endpoint (5 real replicas, k=3, m=3)', () => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3 });
  const value = suite.value;
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });
  const exists = async (name: string) => (await cluster.client(0).read(name)).status === 200;

  it('creates the enc(...) secrets, expands the secret(...) lines, and keeps every other line byte for byte', async () => {
    const stored = { DB_URL: value('db', ' with "quotes" # and $HOME'), API_KEY: value('api', "=it's"), MULTI: value('multi', '\nsecond line') };
    for (const [name, v] of Object.entries(stored)) expect((await cluster.client(0).create(name, v)).status).toBe(201);
    const enc = { NEW_TOKEN: value('tok'), NEW_PASS: value('pass'), NEW_SALT: value('salt') };
    const content = [
      '# app settings',
      'PLAIN=hello world',
      '',
      `export NEW_TOKEN=enc(${enc.NEW_TOKEN})`,
      `NEW_PASS="enc(${enc.NEW_PASS})"`,
      `NEW_SALT=enc(${enc.NEW_SALT}) # fresh`,
      'DATABASE=secret(DB_URL)',
      "KEY='secret(API_KEY)'",
      'LINES=secret(MULTI)   # kept comment',
      'TOKEN_COPY=secret(NEW_TOKEN)',
      'QUOTED="keep me"',
    ].join('\r\n') + '\r\n';

    const answer = await cluster.client(1).envText(content);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = answer.text.split('\r\n');
    expect(lines[0]).toBe('# app settings');
    expect(lines[1]).toBe('PLAIN=hello world');
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe('export NEW_TOKEN=secret(NEW_TOKEN)');
    expect(lines[5]).toBe('NEW_SALT=secret(NEW_SALT) # fresh');
    expect(lines[lines.length - 2]).toBe('QUOTED="keep me"');
    expect(answer.text).not.toContain('enc(');

    const parsed = parseDotenv(answer.text);
    expect(parsed).toMatchObject({
      PLAIN: 'hello world',
      NEW_TOKEN: 'secret(NEW_TOKEN)',
      NEW_PASS: 'secret(NEW_PASS)',
      NEW_SALT: 'secret(NEW_SALT)',
      DATABASE: stored.DB_URL,
      KEY: stored.API_KEY,
      LINES: stored.MULTI,
      TOKEN_COPY: enc.NEW_TOKEN,
      QUOTED: 'keep me',
    });
    for (const [name, v] of Object.entries(enc)) {
      expect((await cluster.client(3).read(name)).body).toMatchObject({ version: 1, value: v });
    }
  });

  it('answers JSON with the names it created and resolved', async () => {
    const secret = value('json');
    const answer = await cluster.client(2).envJson(`JSON_NEW=enc(${secret})\nCOPY=secret(JSON_NEW)\nOTHER=secret(DB_URL)\n`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.created).toEqual(['JSON_NEW']);
    expect(answer.body.resolved).toEqual(['JSON_NEW', 'DB_URL']);
    expect(parseDotenv(answer.body.content).COPY).toBe(secret);
  });

  it('fails the whole file when an enc(...) name exists, creating none of the others', async () => {
    const answer = await cluster.client(0).envText(`FRESH_A=enc(${value('a')})\nDB_URL=enc(${value('dup')})\nFRESH_B=enc(${value('b')})\n`);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'ENV_SECRET_ALREADY_EXISTS', names: ['DB_URL'] });
    expect(answer.body.details).toEqual([{ line: 2, name: 'DB_URL', message: expect.any(String) }]);
    expect(answer.text).not.toContain('dup');
    expect(await exists('FRESH_A')).toBe(false);
    expect(await exists('FRESH_B')).toBe(false);
  });

  it('fails the whole file when a secret(...) cannot be resolved, listing every such name and creating nothing', async () => {
    const answer = await cluster.client(4).envText(`FRESH_C=enc(${value('c')})\nX=secret(MISSING_1)\nY=secret(DB_URL)\nZ=secret(MISSING_2)\n`);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'ENV_REFERENCE_UNRESOLVED', names: ['MISSING_1', 'MISSING_2'] });
    expect(answer.body.details.map((d: { line: number }) => d.line)).toEqual([2, 4]);
    expect(await exists('FRESH_C')).toBe(false);
    const alone = await cluster.client(4).envJson('X=secret(MISSING_1)\n');
    expect(alone.status).toBe(422);
    expect(alone.body.code).toBe('ENV_REFERENCE_UNRESOLVED');
  });

  it('names ENV_SECRET_ALREADY_EXISTS first when a file has both kinds, listing every problem with its line', async () => {
    const answer = await cluster.client(1).envText(`X=secret(MISSING_3)\nAPI_KEY=enc(${value('dup2')})\nFRESH_D=enc(${value('d')})\n`);
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('ENV_SECRET_ALREADY_EXISTS');
    expect(answer.body.names).toEqual(['API_KEY']);
    expect(answer.body.details.map((d: { line: number; name: string }) => `${d.line}:${d.name}`)).toEqual(['1:MISSING_3', '2:API_KEY']);
    expect(await exists('FRESH_D')).toBe(false);
  });

  it('answers 400 with the line of every syntax problem, duplicate key and invalid enc name', async () => {
    const content = ['GOOD=1', 'this line is not an assignment', 'GOOD=2', `9BAD=enc(${value('bad')})`, 'U="unterminated'].join('\n');
    const answer = await cluster.client(0).envText(content);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.details.map((d: { line: number }) => d.line)).toEqual([2, 3, 4, 5]);
    expect(JSON.stringify(answer.body)).not.toContain('unterminated');
    const notText = await cluster.client(0).envJson(undefined as unknown as string);
    expect(notText.status).toBe(400);
  });

  it('works the same with one replica down', async () => {
    await cluster.kill(2);
    try {
      const secret = value('degraded');
      const answer = await cluster.client(0).envText(`DEGRADED_NEW=enc(${secret})\nREF=secret(API_KEY)\n`);
      expect(answer.status).toBe(200);
      expect(parseDotenv(answer.text)).toEqual({ DEGRADED_NEW: 'secret(DEGRADED_NEW)', REF: expect.stringContaining('=it\'s') });
      expect((await cluster.client(4).read('DEGRADED_NEW')).body.value).toBe(secret);
    } finally {
      await cluster.restart([2]);
    }
  });

  it('replays an Idempotency-Key retry: re-resolves secret(...) lines and creates nothing again', async () => {
    const secret = value('idem');
    const content = `IDEM_NEW=enc(${secret})\nREF=secret(DB_URL)\n`;
    const first = await cluster.client(0).envText(content, { 'idempotency-key': 'env-1' });
    expect(first.status).toBe(200);
    const changed = value('db-changed');
    expect((await cluster.client(0).update('DB_URL', changed)).status).toBe(200);

    const retry = await cluster.client(3).envText(content, { 'idempotency-key': 'env-1' });
    expect(retry.status).toBe(200);
    expect(parseDotenv(retry.text)).toEqual({ IDEM_NEW: 'secret(IDEM_NEW)', REF: changed });
    expect((await cluster.client(1).versions('IDEM_NEW')).body.versions).toHaveLength(1);
    const reused = await cluster.client(3).envText(`IDEM_NEW=enc(${value('other')})\n`, { 'idempotency-key': 'env-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('fails a retry whose reference was deleted since the first answer, instead of replaying that answer', async () => {
    expect((await cluster.client(0).create('SHORT_LIVED_REF', value('short-lived'))).status).toBe(201);
    const content = `RETRY_NEW=enc(${value('retry-new')})\nREF=secret(SHORT_LIVED_REF)\n`;
    const first = await cluster.client(1).envText(content, { 'idempotency-key': 'env-deleted-ref' });
    expect(first.status).toBe(200);
    expect((await cluster.client(2).delete('SHORT_LIVED_REF')).status).toBe(200);

    const retry = await cluster.client(3).envText(content, { 'idempotency-key': 'env-deleted-ref' });
    expect(retry.status).toBe(422);
    expect(retry.body).toMatchObject({ code: 'ENV_REFERENCE_UNRESOLVED', names: ['SHORT_LIVED_REF'] });
    // The enc(...) secret of the first answer stays, once.
    expect((await cluster.client(4).versions('RETRY_NEW')).body.versions).toHaveLength(1);
  });

  it('resolves many references in one request', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `BULK_${i}`);
    const values = names.map((n) => value(n.toLowerCase()));
    const creation = await cluster.client(0).envText(names.map((n, i) => `${n}=enc(${values[i]})`).join('\n') + '\n');
    expect(creation.status).toBe(200);
    const answer = await cluster.client(1).envJson(names.map((n) => `R_${n}=secret(${n})`).join('\n'));
    expect(answer.status).toBe(200);
    const parsed = parseDotenv(answer.body.content);
    names.forEach((n, i) => expect(parsed[`R_${n}`]).toBe(values[i]));
    expect(answer.body.resolved).toEqual(names);
  });
});
