import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioCluster } from '../faults/scenario';
import { Recorder } from '../faults/workload';
import { eventually } from '../support/cluster';
import { checkHistories, Violation } from '../support/history/check';

/**
 * The fault suite's checker bites on real replicas (docs/reliability.md, "Real
 * processes"): the same written-out schedule, run once on correct replicas and once on
 * replicas with a planted bug (VAULT_TEST_BUG=reader-ignores-locks: a reader counts locked
 * answers as settled ones), recorded by the suite's recorder and judged by its checker.
 *
 * The schedule opens the window the bug needs, deterministically: n1 coordinates an update
 * while its links to every other replica are 300 ms slow each way, so the client has its answer
 * while the outcome is still on its way and n2..n5 still hold the write's lock over the old
 * version. A read on n3 in that window must not answer the old version: the write was
 * acknowledged before the read began. Replicas' own calls to n1 are cut, so that n3's
 * reader asks the replicas that have not heard the outcome yet, not n1, which has.
 */
describe('fault suite: a planted bug on real replicas is found by the checker (5 replicas, k=3, m=3)', () => {
  const [n1, n3] = [0, 2];
  // Each way: a round trip (600 ms) stays within the peer timeout (1 s), the outcome arrives 300 ms after the answer.
  const SLOW_MS = 300;

  async function runSchedule(bug?: string): Promise<{ violations: Violation[]; readAfterAck: { version?: number } }> {
    const logDir = await mkdtemp(join(tmpdir(), 'vault-faults-planted-'));
    const cluster = scenarioCluster({ n: 5, k: 3, m: 3 }, logDir, 'planted', bug);
    try {
      await cluster.start();
      const recorder = new Recorder(cluster, 15_000);
      const value = (label: string) => {
        const v = `planted-${label}-${randomBytes(6).toString('hex')}`;
        recorder.values.push(v);
        return v;
      };
      expect(await recorder.run(0, n1, 'P', { kind: 'create', value: value('v1') })).toMatchObject({ result: 'ok', version: 1 });
      // Every replica has applied version 1 before the links change.
      await eventually(async () => {
        for (let i = 0; i < cluster.n; i++) {
          if ((await cluster.query(i, `SELECT 1 FROM secret_version WHERE name = 'P' AND state = 'committed' AND version = 1`)).length === 0) return false;
        }
        return true;
      });

      for (let j = 1; j < cluster.n; j++) {
        cluster.mesh.link(n1, j).set('pass', SLOW_MS);
        cluster.mesh.link(j, n1).set('cut');
      }
      expect(await recorder.run(0, n1, 'P', { kind: 'update', value: value('v2') })).toMatchObject({ result: 'ok', version: 2 });
      // Begins after the update was acknowledged (a few ms later: the recorded intervals are
      // rounded outwards to whole ms), while its outcome is still on the slow links.
      await new Promise((r) => setTimeout(r, 5));
      const readAfterAck = await recorder.run(1, n3, 'P', { kind: 'read' });

      cluster.mesh.healAll();
      await cluster.waitAllReady(30_000);
      for (let i = 0; i < cluster.n; i++) await recorder.run(2, i, 'P', { kind: 'read' }, true);
      const violations = checkHistories([{ id: `planted-${bug ?? 'none'}`, operations: recorder.operations }], join(logDir, 'checker'));
      return { violations, readAfterAck: readAfterAck as { version?: number } };
    } finally {
      await cluster.shutdown();
      await rm(logDir, { recursive: true, force: true });
    }
  }

  it('correct replicas: the read waits for the outcome and the history is linearizable', async () => {
    const { violations, readAfterAck } = await runSchedule();
    expect(readAfterAck).toMatchObject({ result: 'ok', version: 2 });
    expect(violations).toEqual([]);
  }, 120_000);

  it('readers that ignore locks: the read answers the older version and the checker names the history not linearizable', async () => {
    const { violations, readAfterAck } = await runSchedule('reader-ignores-locks');
    expect(readAfterAck).toMatchObject({ result: 'ok', version: 1 });
    expect(violations.map((v) => [v.kind, v.name])).toContainEqual(['not-linearizable', 'P']);
  }, 120_000);
});

