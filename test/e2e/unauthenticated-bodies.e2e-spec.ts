import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { PEER_HEADERS } from '../../src/coordination/channel/peer-signing';
import { TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';
import { residentBytes } from '../support/proc';

/** One raw POST: the status and when it came, or the socket error that came instead. */
interface Sent {
  status: number | null;
  code: string | null;
  error: string | null;
  ms: number;
}

/**
 * Sends `body` with `headers` and waits for the answer's head. The server may close the
 * connection before reading the body (that is the point), so a reset after the answer
 * arrived is expected and ignored; a reset before it is reported as such.
 */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<Sent> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (sent: Omit<Sent, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...sent, ms: Math.round(performance.now() - started) });
    };
    const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const settle = () => {
        let code: string | null = null;
        try {
          code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code ?? null;
        } catch {
          // not JSON
        }
        finish({ status: res.statusCode ?? 0, code, error: null });
      };
      res.on('end', settle);
      res.on('error', settle);
      res.on('aborted', settle);
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, code: null, error: error.code ?? error.message }));
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

/**
 * Nothing before authentication (src/coordination/channel/internal-server.ts,
 * src/app.setup.ts): the internal API refuses every call that is not signed with
 * VAULT_PEER_SECRET before it reads the body, and /v1 refuses a missing token before any
 * body parser runs. A gzip bomb (256 KB that inflates to 256 MB) sent many
 * times at once must be refused at once, cost the replica no memory, and leave it serving.
 */
describe('unauthenticated bodies are never read (3 real replicas)', () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  let cluster: TestCluster;
  /** 16 gzip members of 16 MiB of zeros each: about 256 KB that inflates to 256 MiB. */
  const bomb = Buffer.concat(Array.from({ length: 16 }, () => gzipSync(Buffer.alloc(16 << 20), { level: 9 })));
  const CONCURRENT = 20;
  let pid: number;
  let rssBefore: number;

  beforeAll(async () => {
    cluster = suite.cluster;
    pid = cluster.replicas[0].pid!;
    // Warm up the paths the test uses, so that what they allocate once is not counted as growth.
    expect((await cluster.client(0).create('WARM_UP', suite.value('warm'))).status).toBe(201);
    rssBefore = await residentBytes(pid);
  });

  it('is a real bomb: about 256 KB on the wire, 256 MiB inflated', () => {
    expect(bomb.length).toBeGreaterThan(200 * 1024);
    expect(bomb.length).toBeLessThan(300 * 1024);
    expect(gunzipSync(bomb).length).toBe(256 << 20);
  });

  /** Sends the bomb CONCURRENT times at once; every answer must be one of `statuses`, within a second. */
  const storm = async (path: string, headers: Record<string, string>, statuses: number[]) => {
    const sent = await Promise.all(Array.from({ length: CONCURRENT }, () => post(`${cluster.url(0)}${path}`, headers, bomb)));
    const wrong = sent.filter((s) => s.status === null || !statuses.includes(s.status) || s.ms >= 1000);
    expect(wrong).toEqual([]);
    return sent;
  };

  describe(`POST ${INTERNAL_PATH}, unsigned, ${CONCURRENT} at once`, () => {
    it('without content-encoding: 401 within a second', async () => {
      const sent = await storm(INTERNAL_PATH, { 'content-type': 'application/json' }, [401]);
      expect(new Set(sent.map((s) => s.code))).toEqual(new Set(['UNAUTHENTICATED']));
    });

    it('with content-encoding: gzip: refused within a second', async () => {
      // 415 (compressed bodies are refused outright) or 401: either is decided on the headers alone.
      await storm(INTERNAL_PATH, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [401, 415]);
    });

    it('with well-formed signature headers that do not verify: 401 within a second', async () => {
      const forged = {
        [PEER_HEADERS.node]: 'n2',
        [PEER_HEADERS.timestamp]: String(Date.now()),
        [PEER_HEADERS.nonce]: 'a'.repeat(32),
        [PEER_HEADERS.bodyDigest]: 'b'.repeat(64),
        [PEER_HEADERS.signature]: 'c'.repeat(64),
      };
      const sent = await storm(INTERNAL_PATH, { 'content-type': 'application/json', ...forged }, [401]);
      expect(new Set(sent.map((s) => s.code))).toEqual(new Set(['UNAUTHENTICATED']));
    });
  });

  describe(`/v1 without a token, ${CONCURRENT} at once: 401 before any body parser`, () => {
    // Had a parser run first, these would be 400 (not JSON) or 415 (gzip is not inflated).
    it.each([
      ['/v1/secrets', { 'content-type': 'application/json' }],
      ['/v1/secrets', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
      ['/v1/env', { 'content-type': 'text/plain' }],
      ['/v1/env', { 'content-type': 'text/plain', 'content-encoding': 'gzip' }],
      ['/v1/env', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ])('POST %s %j', async (path, headers) => {
      const sent = await storm(path, headers, [401]);
      expect(new Set(sent.map((s) => s.code))).toEqual(new Set(['UNAUTHENTICATED']));
    });
  });

  it('parses no body outside /v1 for a caller without a token (no route takes a POST there: 404, never a 400 from a parser)', async () => {
    // Not JSON: had a body parser run first, these would be 400 about the JSON. None of
    // these paths has a POST route. (A parser that runs here lets anyone
    // make the replica buffer and parse 8 MB bodies: 20 of 6 MB at once cost it 260 MB.)
    const expected = { '/status': 404, '/health': 404, '/health/ready': 404, '/no-such-route': 404 };
    const actual: Record<string, number | null> = {};
    for (const path of Object.keys(expected)) {
      actual[path] = (await post(`${cluster.url(0)}${path}`, { 'content-type': 'application/json' }, Buffer.from('{'))).status;
    }
    expect(actual).toEqual(expected);
  });

  it('kept its memory flat, and serves the next write', async () => {
    const rssAfter = await residentBytes(pid);
    process.stdout.write(`replica RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after\n`);
    expect(rssAfter - rssBefore).toBeLessThan(50 * 2 ** 20);
    const value = suite.value('after');
    expect((await cluster.client(0).create('AFTER_THE_BOMBS', value)).status).toBe(201);
    expect((await cluster.client(1).read('AFTER_THE_BOMBS')).body).toMatchObject({ version: 1, value });
  });
});
