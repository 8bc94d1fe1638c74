import { TestCluster } from '../support/cluster';
import { request } from '../support/http';
import { scannedCluster } from '../support/plaintext-scan';

interface Counters {
  batches: number;
  messages: number;
}

/**
 * No amplification (docs/api.md "Health"; src/coordination/peer-prober.ts): /health/ready answers
 * from what the background prober last saw, so no number of readiness probes turns into
 * peer calls (or fills nonce windows). Every peer's /status counts the authenticated
 * batches and messages it served; under 2,000 probes they may grow only as they do when
 * the cluster is idle: about one ping per peer per second, plus the anti-entropy sweep.
 */
describe('readiness probes cost the peers nothing (3 real replicas)', () => {
  const N = 3;
  // The production sweep interval, so that the background traffic is mostly the prober's.
  const suite = scannedCluster({ n: N, k: 2, m: 2, sweepIntervalMs: 5000 });
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });

  const PROBES = 2000;
  const CONCURRENCY = 20;
  const IDLE_MS = 4000;
  /** Per peer and second, a caller sends about one ping and a fifth of a sweep: twice that is ample. */
  const FACTOR = 2;
  const peers = Array.from({ length: N - 1 }, (_, i) => i + 1);
  const bound = (ms: number) => (ms / 1000 + 2) * (N - 1) * FACTOR;

  const counters = async (): Promise<Counters[]> =>
    Promise.all(
      peers.map(async (i) => {
        const { batches, messages } = (await cluster.client(i).status()).body.internal as Counters;
        return { batches, messages };
      }),
    );
  const increase = (before: Counters[], after: Counters[]) =>
    after.map((a, p) => ({ batches: a.batches - before[p].batches, messages: a.messages - before[p].messages }));

  it(`answers ${PROBES} probes of /health/ready (${CONCURRENCY} at a time) with no peer traffic beyond an idle period's`, async () => {
    // Let the start-up traffic (catch-up, first sweeps) pass.
    await new Promise((r) => setTimeout(r, 1500));
    // The idle period: sampled, so that a stretch of exactly the probes' length can be taken from it.
    const samples: Array<{ at: number; counters: Counters[] }> = [];
    const idleStart = Date.now();
    while (Date.now() - idleStart < IDLE_MS) {
      samples.push({ at: Date.now(), counters: await counters() });
      await new Promise((r) => setTimeout(r, 100));
    }

    const before = await counters();
    const started = Date.now();
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PROBES) {
          next++;
          const answer = await request(`${cluster.url(0)}/health/ready`);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }),
    );
    const elapsed = Date.now() - started;
    const loaded = increase(before, await counters());
    expect(Object.fromEntries(statuses)).toEqual({ 200: PROBES });

    // The idle stretch of the same length, ending where the probes began.
    const idleEnd = samples[samples.length - 1];
    const idleFrom = samples.find((s) => s.at >= idleEnd.at - elapsed) ?? samples[0];
    const idleMs = idleEnd.at - idleFrom.at;
    const idle = increase(idleFrom.counters, idleEnd.counters);
    process.stdout.write(
      `${PROBES} probes in ${elapsed} ms; per peer, batches/messages served: ${JSON.stringify(loaded)} while probed, ` +
        `${JSON.stringify(idle)} in ${idleMs} ms idle; bound ${bound(elapsed).toFixed(1)}\n`,
    );
    expect(idleMs).toBeGreaterThanOrEqual(Math.min(elapsed, IDLE_MS) - 500);
    for (const p of peers.map((_, i) => i)) {
      // The background prober alone explains both periods...
      expect(idle[p].batches).toBeLessThanOrEqual(bound(idleMs));
      expect(idle[p].messages).toBeLessThanOrEqual(bound(idleMs));
      expect(loaded[p].batches).toBeLessThanOrEqual(bound(elapsed));
      expect(loaded[p].messages).toBeLessThanOrEqual(bound(elapsed));
      // ...and the probes added nothing beyond idle: at most a ping and a sweep per caller
      // more, from where the periods' edges fall in the background's rhythm.
      const scale = elapsed / Math.max(idleMs, 1);
      expect(loaded[p].messages).toBeLessThanOrEqual(idle[p].messages * scale + (N - 1) * 2);
    }
  });

  it('still writes afterwards', async () => {
    const value = suite.value('after-probes');
    expect((await cluster.client(0).create('AFTER_PROBES', value)).status).toBe(201);
    expect((await cluster.client(2).read('AFTER_PROBES')).body).toMatchObject({ version: 1, value });
  });
});
