import { TestCluster } from '../support/cluster';
import { HttpAnswer, request } from '../support/http';

// Express's own ETag function (a dependency of express), to compute what a broken build would send.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const etag = require('etag') as (body: string, options: { weak: boolean }) => string;

// Secret-bearing answers are never cached or fingerprinted (docs/api.md, "Response headers"):
// every /v1 answer, success or error, says Cache-Control: no-store and has no ETag, and a
// conditional GET is answered in full, never with 304.

function expectNoStore(what: string, answer: HttpAnswer, status: number): void {
  expect({ what, status: answer.status, cacheControl: answer.headers.get('cache-control'), etag: answer.headers.get('etag') }).toEqual({
    what,
    status,
    cacheControl: 'no-store',
    etag: null,
  });
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
  expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
  // Plain HTTP here: HSTS is only sent over TLS.
  expect(answer.headers.get('strict-transport-security')).toBeNull();
}

describe('response headers of the API (3 real replicas)', () => {
  let cluster: TestCluster;
  const name = `HEADERS_${Date.now()}`;
  let auth: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2 });
    auth = { authorization: `Bearer ${cluster.token}` };
    base = cluster.url(0);
  });
  afterAll(() => cluster?.shutdown());

  it('every /v1 route answers with Cache-Control: no-store and no ETag', async () => {
    const client = cluster.client(0);
    expectNoStore('POST /v1/secrets', await client.create(name, 'hunter2'), 201);
    expectNoStore('GET /v1/secrets/{name}', await client.read(name), 200);
    expectNoStore('PUT /v1/secrets/{name}', await client.update(name, 'hunter3'), 200);
    expectNoStore('GET /v1/secrets/{name}?version=1', await client.read(name, 1), 200);
    expectNoStore('GET /v1/secrets/{name}/versions', await client.versions(name), 200);
    expectNoStore('POST /v1/env (JSON)', await client.envJson(`X=secret(${name})\n`), 200);
    const text = await client.envText(`X=secret(${name})\n`);
    expectNoStore('POST /v1/env (text)', text, 200);
    expect(text.text).toBe('X=hunter3\n');
    expectNoStore('DELETE /v1/secrets/{name}', await client.delete(name), 200);
  });

  it('so do 4xx answers: not found, unauthenticated, invalid, too large, no such route', async () => {
    const client = cluster.client(1);
    expectNoStore('404 SECRET_NOT_FOUND', await client.read('NOT_THERE'), 404);
    expectNoStore('401', await request(`${base}/v1/secrets/${name}`), 401);
    expectNoStore('400', await client.create('9-invalid', 'x'), 400);
    expectNoStore('413 (body parser)', await client.envText('A=b\n'.repeat(3_000_000)), 413);
    expectNoStore('404 route', await request(`${base}/v1/nothing-here`, { headers: auth }), 404);
  });

  it('a GET repeated with If-None-Match or If-Modified-Since gets the full answer, never 304', async () => {
    const secret = `${name}_COND`;
    expect((await cluster.client(0).create(secret, 'guessable')).status).toBe(201);
    const first = await cluster.client(0).read(secret);
    expect(first.status).toBe(200);
    // The ETag Express would have sent by default: a SHA-1 of the body, which holds the value.
    const wouldHaveBeen = etag(first.text, { weak: true });
    for (const conditional of <Array<Record<string, string>>>[
      { 'if-none-match': '*' },
      { 'if-none-match': wouldHaveBeen },
      { 'if-none-match': wouldHaveBeen.slice(2) },
      { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() },
    ]) {
      const again = await request(`${base}/v1/secrets/${secret}`, { headers: { ...auth, ...conditional } });
      expectNoStore(JSON.stringify(conditional), again, 200);
      expect(again.body.value).toBe('guessable');
    }
  });

  it('so do 5xx answers, once too few replicas are up', async () => {
    await cluster.stop(1, 2);
    expectNoStore('503 INSUFFICIENT_SHARDS', await cluster.client(0).read(`${name}_COND`), 503);
    const write = await cluster.client(0).create(`${name}_LATE`, 'x');
    expectNoStore('503 on a write', write, 503);
    expect(write.body.code).toBe('VOTING_PHASE_FAILED');
  });
});
