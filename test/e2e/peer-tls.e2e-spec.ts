import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { signRequest } from '../../src/coordination/channel/peer-signing';
import { TestCluster } from '../support/cluster';
import { ClientTls, HttpAnswer, request } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';
import { createTestCa, IssuedCertificate } from '../support/tls';

/**
 * TLS (VAULT_TLS_CERT / VAULT_TLS_KEY / VAULT_TLS_CA; src/main.ts, docs/kubernetes.md): clients talk HTTPS,
 * replicas talk to each other over mutual TLS, and /internal answers only callers whose
 * certificate chains to the cluster's CA, even when they hold a correctly signed request.
 * Run twice: peers on the public port, then on a separate listener (VAULT_PEER_PORT),
 * where the TLS handshake itself demands the certificate and the public port has no
 * /internal at all. Each run has its own cluster and its own throwaway CA.
 */
describe.each([
  { mode: 'peers on the public port', peerPort: false },
  { mode: 'peers on VAULT_PEER_PORT', peerPort: true },
])('TLS between clients and replicas, and between replicas ($mode; 5 real replicas)', ({ peerPort }) => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3, tls: true, peerPort });
  let cluster: TestCluster;
  let rogueDir: string;
  let rogue: IssuedCertificate;
  let member: IssuedCertificate;

  beforeAll(async () => {
    cluster = suite.cluster;
    member = cluster.tls!.replicas[1];
    // Another CA, and a certificate from it under a name the cluster knows.
    rogueDir = await mkdtemp(join(tmpdir(), 'vault-e2e-rogue-'));
    rogue = await (await createTestCa(rogueDir, 'rogue')).issue('n2');
  });
  afterAll(() => rm(rogueDir, { recursive: true, force: true }));

  const batch = Buffer.from(JSON.stringify({ m: [{ i: 0, r: 'node/ping', b: {} }] }));
  /** A correctly signed peer call from n2, with a fresh nonce, presenting `tls`. */
  const signedCall = (url: string, tls: ClientTls): Promise<HttpAnswer> =>
    request(`${url}${INTERNAL_PATH}`, {
      method: 'POST',
      raw: batch,
      headers: { 'content-type': 'application/json', ...signRequest(cluster.peerSecret, 'n2', 'n1', 'POST', INTERNAL_PATH, batch, Date.now()).headers },
      tls,
      timeoutMs: 5000,
    });
  /** The call's status, or the error that ended it before any HTTP answer (a refused handshake). */
  const outcome = (call: Promise<HttpAnswer>): Promise<{ status: number } | { error: string }> =>
    call.then(
      (answer) => ({ status: answer.status }),
      (error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }),
    );
  const refusedCount = async (i: number): Promise<number> => (await cluster.client(i).status()).body.internal.refused;

  it('writes and reads over HTTPS, the client trusting only the test CA', async () => {
    expect(cluster.url(0)).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const values: string[] = [];
    for (let i = 0; i < 5; i++) {
      values.push(suite.value(`tls${i}`));
      const created = await cluster.client(i).create(`TLS_SECRET_${i}`, values[i]);
      expect(created.status).toBe(201);
    }
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const read = await cluster.client((i + j + 1) % 5).read(`TLS_SECRET_${i}`);
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({ version: 1, value: values[i] });
      }
    }
  });

  it('knows every peer at an https URL, and sees each reachable', async () => {
    const status = await cluster.client(0).status();
    expect(status.status).toBe(200);
    status.body.peers.forEach((peer: { id: string; url: string; reachable: boolean }, i: number) => {
      expect(peer.url).toBe(cluster.peerUrl(i));
      expect(peer.url).toMatch(/^https:/);
      expect(peer.reachable).toBe(true);
    });
  });

  it('is really TLS: a client that does not trust the CA, or speaks plain HTTP, gets no answer', async () => {
    await expect(request(`${cluster.url(0)}/health`, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const plain = await outcome(request(`${cluster.url(0).replace('https:', 'http:')}/health`, { timeoutMs: 5000 }));
    expect(plain).not.toEqual({ status: 200 });
  });

  it('answers a signed peer call from a certificate of the cluster CA (the control for the refusals below)', async () => {
    const answer = await signedCall(cluster.peerUrl(0), { ca: cluster.tls!.ca.cert, cert: member.cert, key: member.key });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ a: [{ i: 0, ok: true, v: { nodeId: 'n1' } }] });
  });

  it('refuses a signed peer call with a certificate from another CA, or with none', async () => {
    const refusedBefore = await refusedCount(0);
    const results = {
      rogue: await outcome(signedCall(cluster.peerUrl(0), { ca: cluster.tls!.ca.cert, cert: rogue.cert, key: rogue.key })),
      none: await outcome(signedCall(cluster.peerUrl(0), { ca: cluster.tls!.ca.cert })),
    };
    for (const result of Object.values(results)) {
      // Refused at the handshake (no HTTP answer at all) or with 401; never served.
      if ('status' in result) expect(result.status).toBe(401);
      else expect(result.error).toEqual(expect.any(String));
    }
    if (peerPort) {
      // The peer listener's handshake demands a certificate of the cluster CA: the calls
      // never became HTTP requests, so the internal server did not even see them.
      expect(results).toEqual({ rogue: { error: expect.any(String) }, none: { error: expect.any(String) } });
      expect(await refusedCount(0)).toBe(refusedBefore);
    }
  });

  if (peerPort) {
    it('has no /internal on the public port (404), even for a signed call with a cluster certificate', async () => {
      const answer = await signedCall(cluster.url(0), { ca: cluster.tls!.ca.cert, cert: member.cert, key: member.key });
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('"a":');
    });

    it('answers 404 for /internal on the public port whatever the body, without parsing it', async () => {
      // Not JSON: had a body parser run first, this would be a 400 about the JSON.
      for (const contentType of ['application/json', 'text/plain']) {
        const answer = await request(`${cluster.url(0)}${INTERNAL_PATH}`, { method: 'POST', raw: '{', headers: { 'content-type': contentType }, tls: cluster.clientTls() });
        expect({ contentType, status: answer.status }).toEqual({ contentType, status: 404 });
      }
    });
  }
});
