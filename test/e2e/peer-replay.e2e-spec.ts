import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { signRequest, verifyAnswer } from '../../src/coordination/channel/peer-signing';
import { combineShares } from '../../src/shamir';
import { eventually, TestCluster } from '../support/cluster';
import { HttpAnswer, request } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';

/** How long a signed call stays fresh (src/coordination/channel/nonce-window.ts). */
const SKEW_MS = 30_000;

/**
 * Replays of captured peer calls: the internal API refuses a replay of an old signed call
 * with 401 (src/coordination/channel/internal-server.ts, nonce-window.ts). A replica remembers the nonces it accepted only in memory;
 * the tests here replay a call where that memory cannot help: after the replica restarted,
 * and at a replica that never saw the call.
 */
describe('replayed peer calls (3 real replicas)', () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });

  interface Captured {
    body: Buffer;
    headers: Record<string, string>;
    nonce: string;
    signedAt: number;
  }
  /** A call signed by n2 with the cluster's secret, as one could capture it on the wire. */
  const capture = (messages: Array<{ r: string; b: unknown }>): Captured => {
    const body = Buffer.from(JSON.stringify({ m: messages.map((m, i) => ({ i, ...m })) }));
    const signedAt = Date.now();
    const { headers, nonce } = signRequest(cluster.peerSecret, 'n2', 'n1', 'POST', INTERNAL_PATH, body, signedAt);
    return { body, headers, nonce, signedAt };
  };
  const send = (index: number, call: Captured): Promise<HttpAnswer> =>
    request(`${cluster.url(index)}${INTERNAL_PATH}`, { method: 'POST', raw: call.body, headers: { 'content-type': 'application/json', ...call.headers } });

  it('refuses (401) a signed call it answered before a restart, replayed after it', async () => {
    const call = capture([{ r: 'node/ping', b: {} }]);
    const first = await send(0, call);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ a: [{ i: 0, ok: true, v: { nodeId: 'n1' } }] });

    await cluster.restart([0]);
    // Still within the freshness window: only the restart can be why it is refused.
    expect(Date.now() - call.signedAt).toBeLessThan(SKEW_MS);
    const replay = await send(0, call);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    expect(replay.text).not.toContain('"a":');

    // The control: the restarted replica does answer a freshly signed call.
    const fresh = await send(0, capture([{ r: 'node/ping', b: {} }]));
    expect(fresh.status).toBe(200);
  });

  it('refuses (401) a signed call sent to one replica and replayed at another', async () => {
    const value = suite.value('replayed');
    expect((await cluster.client(0).create('REPLAYED_READ', value)).status).toBe(201);
    // A write is acknowledged once m replicas committed; wait for all three.
    await eventually(async () => {
      for (let i = 0; i < 3; i++) {
        const rows = await cluster.query(i, `SELECT 1 FROM secret_version WHERE name = 'REPLAYED_READ' AND state = 'committed'`);
        if (rows.length !== 1) return false;
      }
      return true;
    });
    // n2 asks n1 for its share of a secret; the answer holds n1's share.
    const call = capture([{ r: 'secrets/fetch', b: { name: 'REPLAYED_READ' } }]);
    const first = await send(0, call);
    expect(first.status).toBe(200);
    expect(first.body.a[0]).toMatchObject({ ok: true, v: { share: { data: expect.any(String) } } });
    expect(verifyAnswer([cluster.peerSecret], 'n1', call.nonce, 200, Object.fromEntries(first.headers.entries()), Buffer.from(first.text))).toBe(true);

    // The same bytes at n3, which never saw this nonce. Served, they would hand whoever
    // captured one link's traffic a second replica's share: k = 2 shares, the value.
    const replay = await send(2, call);
    let valueRecovered = false;
    if (replay.status === 200 && replay.body.a[0].ok) {
      const shares = [first, replay].map((answer) => new Uint8Array(Buffer.from(answer.body.a[0].v.share.data, 'base64')));
      valueRecovered = Buffer.from(await combineShares(shares)).toString('utf8') === value;
    }
    expect({ status: replay.status, code: replay.body?.code, valueRecovered }).toEqual({ status: 401, code: 'UNAUTHENTICATED', valueRecovered: false });
  });
});
