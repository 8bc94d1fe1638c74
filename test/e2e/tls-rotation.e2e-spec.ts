import { X509Certificate } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { signRequest } from '../../src/coordination/channel/peer-signing';
import { metricFamiliesInAlertRules } from '../support/alert-rules';
import { TestCluster } from '../support/cluster';
import { ClientTls, HttpAnswer, request } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';
import { freePort } from '../support/ports';
import { createTestCa, IssuedCertificate, TestCa } from '../support/tls';

/**
 * A whole change of certificate authority on a running 5-replica cluster, with no restart
 * (config/tls-reloader.ts, docs/operations.md "TLS certificates"): trust both CAs, move
 * every replica to a certificate of the new one, then trust only the new one. Replicas
 * n1-n4 reload on SIGHUP (VAULT_TLS_RELOAD_SECONDS=0); n5 is never signalled and finds each
 * change by polling its files every second. Writes and reads go through every replica
 * after every step, so peers keep talking over mutual TLS throughout, and at the end
 * certificates of the old CA are refused at the handshake.
 */
describe('TLS material reloaded without a restart (5 real replicas, peers on VAULT_PEER_PORT)', () => {
  const polling = 4;
  const extraEnv: Record<number, Record<string, string>> = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [i, { VAULT_TLS_RELOAD_SECONDS: i === polling ? '1' : '0' }]));
  // Runs before the cluster starts (hooks run in the order they are declared): n1 gets a metrics listener.
  beforeAll(async () => {
    extraEnv[0].VAULT_METRICS_PORT = String(await freePort());
  });
  const suite = scannedCluster({ n: 5, k: 3, m: 3, tls: true, peerPort: true, extraEnv });
  let cluster: TestCluster;
  let oldCa: TestCa;
  let newCa: TestCa;
  let renewed: IssuedCertificate[];
  let oldLeaves: IssuedCertificate[];
  let pids: Array<number | undefined>;
  let round = 0;

  beforeAll(async () => {
    cluster = suite.cluster;
    oldCa = cluster.tls!.ca;
    oldLeaves = cluster.tls!.replicas;
    newCa = await createTestCa(cluster.tls!.dir, 'next');
    renewed = await Promise.all(cluster.replicas.map((_, i) => newCa.issue(`n${i + 1}`)));
    pids = cluster.replicas.map((r) => r.pid);
  });

  /** The fingerprint of the certificate a listener presents to a new connection. */
  const presented = (port: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, cert: renewed[1].cert, key: renewed[1].key }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      });
      socket.once('error', reject);
    });
  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
  /** Replaces a file's content in one step (as Kubernetes swaps a mounted Secret's files), so no read sees half of it. */
  const replace = async (path: string, content: string) => {
    await writeFile(`${path}.next`, content);
    await rename(`${path}.next`, path);
  };
  const port = (url: string) => Number(new URL(url).port);

  const reloadLines = async (i: number): Promise<Array<{ trigger: string; caChanged: boolean }>> =>
    (await cluster.logs(i))
      .split('\n')
      .filter((line) => line.includes('"tls files reloaded"'))
      .map((line) => JSON.parse(line));

  /** Signals n1-n4, then waits until every replica has applied `count` reloads. */
  async function reloadAll(count: number): Promise<void> {
    for (let i = 0; i < 5; i++) if (i !== polling) process.kill(cluster.replicas[i].pid!, 'SIGHUP');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const counts = await Promise.all(cluster.replicas.map((_, i) => reloadLines(i).then((lines) => lines.length)));
      if (counts.every((c) => c >= count)) return;
      if (Date.now() > deadline) throw new Error(`reloads per replica: ${counts.join(', ')}; wanted ${count} each`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A new secret written through each replica, then read back through each of the others. */
  async function writesAndReadsEverywhere(): Promise<void> {
    round++;
    for (let i = 0; i < 5; i++) {
      const value = suite.value(`rot${round}-${i}`);
      const name = `ROTATION_${round}_${i}`;
      expect((await cluster.client(i).create(name, value)).status).toBe(201);
      for (let j = 1; j < 5; j++) {
        const read = await cluster.client((i + j) % 5).read(name);
        expect({ status: read.status, value: read.body.value }).toEqual({ status: 200, value });
      }
    }
  }

  const signedPeerCall = (url: string, tls: ClientTls): Promise<HttpAnswer> => {
    const batch = Buffer.from(JSON.stringify({ m: [{ i: 0, r: 'node/ping', b: {} }] }));
    return request(`${url}${INTERNAL_PATH}`, {
      method: 'POST',
      raw: batch,
      headers: { 'content-type': 'application/json', ...signRequest(cluster.peerSecret, 'n2', 'n1', 'POST', INTERNAL_PATH, batch, Date.now()).headers },
      tls,
      timeoutMs: 5000,
    });
  };

  it('serves and writes with the first CA (the control)', async () => {
    expect(await presented(port(cluster.url(0)))).toBe(fingerprint(oldLeaves[0].cert));
    await writesAndReadsEverywhere();
  });

  it('step 1: trusts both CAs after the CA file becomes a bundle', async () => {
    const bundle = `${oldCa.cert}${newCa.cert}`;
    await replace(oldCa.certFile, bundle);
    // The suite's clients trust both from now on.
    cluster.tls!.ca = { ...oldCa, cert: bundle };
    await reloadAll(1);
    for (let i = 0; i < 5; i++) expect((await reloadLines(i))[0]).toMatchObject({ caChanged: true });
    await writesAndReadsEverywhere();
  });

  it('step 2: every replica presents its new certificate, to clients and to peers, and peers still talk', async () => {
    // One file after the other: the poller may see the new certificate next to the old key
    // for a moment, refuses that pair, and takes the renewal once both are there.
    for (let i = 0; i < 5; i++) {
      await replace(oldLeaves[i].certFile, renewed[i].cert);
      await replace(oldLeaves[i].keyFile, renewed[i].key);
    }
    await reloadAll(2);
    for (let i = 0; i < 5; i++) {
      expect(await presented(port(cluster.url(i)))).toBe(fingerprint(renewed[i].cert));
      expect(await presented(port(cluster.peerUrl(i)))).toBe(fingerprint(renewed[i].cert));
    }
    await writesAndReadsEverywhere();
  });

  it('step 3: trusts only the new CA; a certificate of the old one is refused at the handshake', async () => {
    await replace(oldCa.certFile, newCa.cert);
    await reloadAll(3);
    cluster.tls!.ca = { ...oldCa, cert: newCa.cert };
    await writesAndReadsEverywhere();

    const withOld = await signedPeerCall(cluster.peerUrl(0), { ca: newCa.cert, cert: oldLeaves[1].cert, key: oldLeaves[1].key }).then(
      (answer) => ({ status: answer.status }),
      (error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }),
    );
    expect(withOld).toEqual({ error: expect.any(String) });
    const withNew = await signedPeerCall(cluster.peerUrl(0), { ca: newCa.cert, cert: renewed[1].cert, key: renewed[1].key });
    expect(withNew.status).toBe(200);
    // A client that trusts only the old CA no longer accepts the replicas.
    await expect(request(`${cluster.url(0)}/health`, { tls: { ca: oldCa.cert }, timeoutMs: 5000 })).rejects.toMatchObject({ code: expect.any(String) });
  });

  it("shows n1's certificate expiry and its reloads in /metrics", async () => {
    const text = (await request(`https://127.0.0.1:${extraEnv[0].VAULT_METRICS_PORT}/metrics`, { tls: { ca: newCa.cert }, timeoutMs: 5000 })).text as string;
    const sample = (series: RegExp) => Number(text.split('\n').find((line) => series.test(line))?.split(' ').pop());
    expect(sample(/^vault_tls_certificate_expiry_timestamp_seconds\{/)).toBe(Date.parse(new X509Certificate(renewed[0].cert).validTo) / 1000);
    expect(sample(/^vault_tls_reloads_total\{[^}]*outcome="reloaded"/)).toBe(3);
    // The TLS metrics that the shipped alert rules read.
    const alerted = metricFamiliesInAlertRules().filter((name) => name.startsWith('vault_tls_'));
    expect(alerted).toEqual(['vault_tls_certificate_expiry_timestamp_seconds', 'vault_tls_reloads_total']);
    for (const name of alerted) expect(text).toContain(`# TYPE ${name} `);
  });

  it('did it all in the same processes: n1-n4 on SIGHUP, n5 by polling its files', async () => {
    expect(cluster.replicas.map((r) => r.pid)).toEqual(pids);
    for (let i = 0; i < 5; i++) {
      const triggers = (await reloadLines(i)).map((line) => line.trigger);
      expect(triggers).toEqual(i === polling ? ['timer', 'timer', 'timer'] : ['signal', 'signal', 'signal']);
    }
  });
});
