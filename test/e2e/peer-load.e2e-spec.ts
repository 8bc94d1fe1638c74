import { TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';

/**
 * The batched peer channel under load: many writes and reads at once, spread over every
 * replica, so that each peer link carries full batches in both directions at the same
 * time. Nothing may be lost, refused or mixed up on the way: load queues in the channel
 * (src/coordination/channel/http-peer-channel.ts) before it fails; a busy peer is not a
 * dead one.
 */
describe('the peer channel under load (5 real replicas, k=3, m=3)', () => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3 });
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });

  const CREATES = 200;
  const READS = 400;
  const names = Array.from({ length: CREATES }, (_, i) => `LOAD_${String(i).padStart(3, '0')}`);
  const values = new Map<string, string>();

  it(`answers ${CREATES} concurrent creates of different names, spread over the replicas, all 201`, async () => {
    for (const name of names) values.set(name, suite.value(name.toLowerCase()));
    const started = Date.now();
    const answers = await Promise.all(names.map((name, i) => cluster.client(i % 5).create(name, values.get(name)!)));
    const elapsed = Date.now() - started;
    const statuses = answers.map((a, i) => (a.status === 201 ? null : `${names[i]}: ${a.status} ${a.text}`)).filter((s) => s !== null);
    expect(statuses).toEqual([]);
    answers.forEach((a, i) => expect(a.body).toMatchObject({ name: names[i], version: 1 }));
    process.stdout.write(`${CREATES} concurrent creates: ${elapsed} ms\n`);
  });

  it(`answers ${READS} concurrent reads spread over the replicas, all 200 with the right values`, async () => {
    // Each name read twice, from two different replicas, neither of them (usually) its coordinator.
    const reads = Array.from({ length: READS }, (_, i) => ({ name: names[i % CREATES], replica: (i + 1 + Math.floor(i / CREATES)) % 5 }));
    const started = Date.now();
    const answers = await Promise.all(reads.map((r) => cluster.client(r.replica).read(r.name)));
    const elapsed = Date.now() - started;
    const wrong = answers
      .map((a, i) => (a.status === 200 && a.body.value === values.get(reads[i].name) && a.body.version === 1 ? null : `${reads[i].name} on n${reads[i].replica + 1}: ${a.status} ${a.body?.code ?? ''}`))
      .filter((s) => s !== null);
    expect(wrong).toEqual([]);
    process.stdout.write(`${READS} concurrent reads: ${elapsed} ms\n`);
  });

  it('committed every name on at least m replicas', async () => {
    const holders = new Map<string, number>();
    for (let i = 0; i < 5; i++) {
      const rows = await cluster.query<{ name: string }>(i, `SELECT DISTINCT name FROM secret_version WHERE name LIKE 'LOAD\\_%' AND state = 'committed'`);
      for (const { name } of rows) holders.set(name, (holders.get(name) ?? 0) + 1);
    }
    expect(names.filter((name) => (holders.get(name) ?? 0) < 3)).toEqual([]);
  });
});
