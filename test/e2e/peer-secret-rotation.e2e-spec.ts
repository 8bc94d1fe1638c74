import { randomBytes } from 'node:crypto';
import { INTERNAL_PATH } from '../../src/coordination/channel/envelope';
import { signRequest } from '../../src/coordination/channel/peer-signing';
import { TestCluster } from '../support/cluster';
import { request } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';

/**
 * A rolling change of VAULT_PEER_SECRET with VAULT_PEER_SECRET_ACCEPTED (docs/operations.md,
 * "Changing the peer secret"), on 3 real replicas restarted one at a time, as a Kubernetes
 * rollout does. Three rollouts: accept the new secret; sign with the new one and still
 * accept the old; drop the old. At every point of every rollout, replicas on different
 * steps meet, and writes and reads through each replica that is up must succeed. At the
 * end a call signed with the old secret is refused. A secret written before the change
 * reads back after it: the peer secret signs messages, it does not touch the shares. A
 * retried write (same Idempotency-Key) recorded under the old secret is replayed while the
 * old secret is still accepted. Tokens do not depend on the peer secret: one made before
 * the change works at every step and after the old secret is dropped.
 */
describe('changing the peer secret without a stop (3 real replicas, k=2, m=2)', () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  let cluster: TestCluster;
  let oldSecret: string;
  const newSecret = randomBytes(32).toString('hex');
  let round = 0;
  let before: string;
  let retried: { value: string; first: { status: number; body: unknown } };
  const retryKey = { 'idempotency-key': 'rotation-retry-1' };
  const readerRules = { rules: [{ effect: 'allow', capabilities: ['read'], names: ['WRITTEN_BEFORE_THE_CHANGE'] }] };
  let oldToken: string;

  /** A token with a policy, made through replica 0, and kept out of the logs and tables by the final scan. */
  async function makeToken(name: string): Promise<string> {
    const created = await cluster.client(0).createToken({ name, ...readerRules });
    expect(created.status).toBe(201);
    suite.written.push(created.body.token, created.body.token.split('_').slice(2).join('_'));
    return created.body.token;
  }
  /** The status of a read with `token` through each replica. */
  const readsWith = async (token: string) => Promise.all([0, 1, 2].map(async (i) => (await cluster.client(i).as(token).read('WRITTEN_BEFORE_THE_CHANGE')).status));

  beforeAll(() => {
    cluster = suite.cluster;
    oldSecret = cluster.peerSecret;
  });

  async function writesAndReadsThroughEach(up: number[]): Promise<void> {
    round++;
    for (const i of up) {
      const value = suite.value(`peer-secret-${round}-${i}`);
      const name = `PEER_SECRET_ROUND_${round}_${i}`;
      expect({ step: round, via: i, status: (await cluster.client(i).create(name, value)).status }).toEqual({ step: round, via: i, status: 201 });
      for (const j of up) {
        const read = await cluster.client(j).read(name);
        expect({ via: j, status: read.status, value: read.body.value }).toEqual({ via: j, status: 200, value });
      }
    }
  }

  /** Restarts the replicas one by one into `env`, checking the cluster after each. */
  async function rollout(env: Record<string, string>): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await cluster.restart([i], env);
      await writesAndReadsThroughEach([0, 1, 2]);
    }
  }

  const signedPing = (secret: string) => {
    const batch = Buffer.from(JSON.stringify({ m: [{ i: 0, r: 'node/ping', b: {} }] }));
    return request(`${cluster.peerUrl(0)}${INTERNAL_PATH}`, {
      method: 'POST',
      raw: batch,
      headers: { 'content-type': 'application/json', ...signRequest(secret, 'n2', 'n1', 'POST', INTERNAL_PATH, batch, Date.now()).headers },
      timeoutMs: 5000,
    });
  };

  it('starts on the old secret (the control)', async () => {
    before = suite.value('written-before-the-change');
    expect((await cluster.client(0).create('WRITTEN_BEFORE_THE_CHANGE', before)).status).toBe(201);
    expect((await signedPing(oldSecret)).status).toBe(200);
    expect((await signedPing(newSecret)).status).toBe(401);
    oldToken = await makeToken('made-before-the-change');
    expect(await readsWith(oldToken)).toEqual([200, 200, 200]);
  });

  it('rollout 1: every replica signs with the old secret and accepts the new one', async () => {
    await rollout({ VAULT_PEER_SECRET: oldSecret, VAULT_PEER_SECRET_ACCEPTED: newSecret });
    // Recorded with a request hash under the old secret.
    const value = suite.value('retried-across-the-change');
    const first = await cluster.client(0).create('RETRIED_ACROSS_THE_CHANGE', value, retryKey);
    expect(first.status).toBe(201);
    retried = { value, first: { status: first.status, body: first.body } };
  });

  it('rollout 2: every replica signs with the new secret and accepts the old one; old and new signers meet along the way', async () => {
    await rollout({ VAULT_PEER_SECRET: newSecret, VAULT_PEER_SECRET_ACCEPTED: oldSecret });
    // The same request again, now hashed under the new secret first: the same answer, no second write.
    const again = await cluster.client(1).create('RETRIED_ACROSS_THE_CHANGE', retried.value, retryKey);
    expect({ status: again.status, body: again.body }).toEqual(retried.first);
    expect((await cluster.client(2).versions('RETRIED_ACROSS_THE_CHANGE')).body.versions).toHaveLength(1);
    expect(await readsWith(oldToken)).toEqual([200, 200, 200]);
  });

  it('rollout 3: the old secret is dropped, and a call signed with it is refused; tokens made before and during the change keep working', async () => {
    const newToken = await makeToken('made-after-the-switch');
    await rollout({ VAULT_PEER_SECRET: newSecret });
    expect(await readsWith(newToken)).toEqual([200, 200, 200]);
    expect(await readsWith(oldToken)).toEqual([200, 200, 200]);
    expect((await signedPing(newSecret)).status).toBe(200);
    const refused = await signedPing(oldSecret);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('bad-signature');
  });

  it('reads what was written before the change, through every replica', async () => {
    for (let i = 0; i < 3; i++) {
      const read = await cluster.client(i).read('WRITTEN_BEFORE_THE_CHANGE');
      expect({ status: read.status, value: read.body.value }).toEqual({ status: 200, value: before });
    }
  });
});
