import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { signRequest, verifyAnswer } from '../../src/coordination/channel/peer-signing';
import { eventually, TestCluster } from '../support/cluster';
import { request } from '../support/http';
import { freePort } from '../support/ports';
import { PUBLIC_PATHS } from '../support/public-paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ReplicaProcess } = require('../../dist/cluster/replica-process') as typeof import('../../src/cluster/replica-process');

describe('replica skeleton: health, status, authentication (3 real replicas)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2 });
  });
  afterAll(() => cluster?.shutdown());

  it('answers /health without a token', async () => {
    const answer = await request(`${cluster.url(0)}/health`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok', nodeId: 'n1' });
  });

  it('lists every replica, itself included, as reachable on /status', async () => {
    const answer = await cluster.client(1).status();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ nodeId: 'n2', n: 3, k: 2, m: 2, b: 1 });
    expect(answer.body.peers.map((p: { id: string }) => p.id)).toEqual(['n1', 'n2', 'n3']);
    for (const peer of answer.body.peers) {
      expect(peer.reachable).toBe(true);
      expect(typeof peer.latencyMs).toBe('number');
    }
  });

  it('echoes X-Request-Id, or makes one up', async () => {
    const echoed = await request(`${cluster.url(0)}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const made = await request(`${cluster.url(0)}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stays up on SIGHUP without TLS (nothing to reload), and says so in its log', async () => {
    const replica = cluster.replicas[2];
    const pid = replica.pid!;
    process.kill(pid, 'SIGHUP');
    await eventually(async () => (await cluster.logs(2)).includes('SIGHUP: nothing to reload (TLS is off)'), 10_000, 50);
    expect(replica.running).toBe(true);
    expect(replica.pid).toBe(pid);
    expect((await request(`${cluster.url(2)}/health`)).status).toBe(200);
  });

  it('refuses /v1 and /status without the token, or with a wrong one (401 UNAUTHENTICATED)', async () => {
    for (const path of ['/v1/secrets/anything', '/status']) {
      const none = await request(`${cluster.url(0)}${path}`);
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      expect(none.body.requestId).toBe(none.headers.get('x-request-id'));
      const wrong = await request(`${cluster.url(0)}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('UNAUTHENTICATED');
    }
    const right = await cluster.client(0).status();
    expect(right.status).toBe(200);
  });

  describe('the internal peer API', () => {
    const batch = (body: unknown = { m: [{ i: 0, r: 'node/ping', b: {} }] }) => Buffer.from(JSON.stringify(body));
    const send = (headers: Record<string, string>, raw: Buffer = batch()) =>
      request(`${cluster.url(0)}${INTERNAL_PATH}`, { method: 'POST', raw: raw.toString(), headers: { 'content-type': 'application/json', ...headers } });
    const signed = (secret: string, node: string, body: Buffer = batch(), now = Date.now()) => signRequest(secret, node, 'n1', 'POST', INTERNAL_PATH, body, now).headers;

    it('answers a correctly signed batch, with an answer signed for that request', async () => {
      const body = batch();
      const request = signRequest(cluster.peerSecret, 'n2', 'n1', 'POST', INTERNAL_PATH, body, Date.now());
      const answer = await send(request.headers, body);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ a: [{ i: 0, ok: true, v: { nodeId: 'n1' } }] });
      const headers = Object.fromEntries(answer.headers.entries());
      expect(verifyAnswer([cluster.peerSecret], 'n1', request.nonce, 200, headers, Buffer.from(answer.text))).toBe(true);
      // Bound to its request: the same answer does not pass for another request's.
      expect(verifyAnswer([cluster.peerSecret], 'n1', 'f'.repeat(32), 200, headers, Buffer.from(answer.text))).toBe(false);
    });

    it('refuses an unsigned call', async () => {
      const answer = await send({});
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a call whose body was changed after signing', async () => {
      const answer = await send(signed(cluster.peerSecret, 'n2'), batch({ m: [{ i: 0, r: 'node/ping', b: { x: 1 } }] }));
      expect(answer.status).toBe(401);
    });

    it('refuses a call signed with another secret, or by a node outside the cluster', async () => {
      expect((await send(signed('x'.repeat(40), 'n2'))).status).toBe(401);
      expect((await send(signed(cluster.peerSecret, 'n9'))).status).toBe(401);
    });

    it('refuses a replay of a call it already answered', async () => {
      const headers = signed(cluster.peerSecret, 'n3');
      expect((await send(headers)).status).toBe(200);
      const replay = await send(headers);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a stale call', async () => {
      expect((await send(signed(cluster.peerSecret, 'n3', batch(), Date.now() - 45_000))).status).toBe(401);
    });

    it('checks each message against its route: a malformed one fails alone', async () => {
      const body = batch({ m: [{ i: 0, r: 'node/ping', b: {} }, { i: 1, r: 'secrets/fetch', b: { name: 'bad name!' } }] });
      const answer = await send(signed(cluster.peerSecret, 'n2', body), body);
      expect(answer.status).toBe(200);
      expect(answer.body.a[0]).toMatchObject({ i: 0, ok: true });
      expect(answer.body.a[1]).toMatchObject({ i: 1, ok: false, code: 'VALIDATION_FAILED' });
    });

    it('is absent from the OpenAPI document', async () => {
      const doc = await request(`${cluster.url(0)}/docs-json`);
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/internal'))).toBe(false);
    });
  });

  it('serves exactly openapi.yaml at /docs-json (regenerate with npm run openapi)', async () => {
    const served = (await request(`${cluster.url(0)}/docs-json`)).body;
    const committed = parseYaml(await readFile(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8'));
    expect(served).toEqual(committed);
    expect(Object.keys(served.paths).sort()).toEqual(
      [...PUBLIC_PATHS].sort(),
    );
  });

  it('is ready while k replicas answer, and says 503 once fewer do', async () => {
    expect((await request(`${cluster.url(0)}/health/ready`)).status).toBe(200);
    await cluster.stop(2);
    // Readiness answers from what the background prober last saw (about once a second).
    await eventually(async () => {
      const one = await request(`${cluster.url(0)}/health/ready`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ status: 'ready', reachable: 2, required: 2 });
    });
    await cluster.stop(1);
    await eventually(async () => {
      const answer = await request(`${cluster.url(0)}/health/ready`);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'not-ready', database: true, caughtUp: true, reachable: 1, required: 2 });
    });
    const status = await cluster.client(0).status();
    expect(status.body.peers.map((p: { reachable: boolean }) => p.reachable)).toEqual([true, false, false]);
    await cluster.restart([1, 2]);
    await eventually(async () => (await request(`${cluster.url(0)}/health/ready`)).status === 200);
  });

  it('refuses to boot with VAULT_WRITE_QUORUM=1 for 3 replicas, naming the variable', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const logFile = join(cluster.logDir, 'bad-quorum.log');
    const replica = new ReplicaProcess({
      id: 'bad',
      port: ports[0],
      logFile,
      env: {
        NODE_ENV: 'test',
        VAULT_NODE_ID: 'a',
        VAULT_PORT: String(ports[0]),
        VAULT_PEERS: `a=http://127.0.0.1:${ports[0]},b=http://127.0.0.1:${ports[1]},c=http://127.0.0.1:${ports[2]}`,
        VAULT_WRITE_QUORUM: '1',
        DATABASE_URL: cluster.databaseUrl,
        VAULT_PEER_SECRET: cluster.peerSecret,
        VAULT_API_TOKEN: cluster.token,
      },
    });
    replica.start();
    const code = await replica.waitExit();
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    await eventually(async () => (await readFile(logFile, 'utf8')).includes('VAULT_WRITE_QUORUM'), 5000);
    const output = await readFile(logFile, 'utf8');
    expect(output).toMatch(/VAULT_WRITE_QUORUM: .*m > n\/2/);
  });
});
