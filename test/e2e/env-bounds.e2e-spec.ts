import { MAX_ENV_ENTRIES } from '../../src/vault/env/apply-env-file';
import { eventually, TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';
import { procStatus } from '../support/proc';

interface LogEntry {
  level: string;
  msg: string;
  requestId?: string | null;
  [field: string]: unknown;
}

/**
 * The `.env` endpoint's bound (src/vault/env/apply-env-file.ts, MAX_ENV_ENTRIES): a file
 * with more entries is refused 413 PAYLOAD_TOO_LARGE right after parsing, before any
 * secret is read, any value split, or any peer asked. Every enc(...) value here is over
 * 1 KiB, which is split on a worker thread (src/shamir/split.ts): a replica that has never
 * split such a value has no worker thread, so its thread count (/proc/<pid>/status) shows
 * whether one happened.
 */
describe(`.env bounds: more than ${MAX_ENV_ENTRIES} entries (3 real replicas)`, () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  let cluster: TestCluster;
  let pid: number;
  beforeAll(async () => {
    cluster = suite.cluster;
    pid = cluster.replicas[0].pid!;
    // A small write first, so that whatever a first write starts is running before we count.
    expect((await cluster.client(0).create('WARM_UP', suite.value('warm'))).status).toBe(201);
  });

  /** A value over 1 KiB (split off the main thread), remembered for the plaintext scan. */
  const largeValue = (label: string) => suite.value(label, 'x'.repeat(1100));
  const rowCounts = async () =>
    Promise.all(
      cluster.replicas.map(async (_, i) => {
        const [row] = await cluster.query<{ tx: string; names: string; versions: string }>(
          i,
          `SELECT (SELECT count(*) FROM tx_record) AS tx, (SELECT count(*) FROM secret_state) AS names, (SELECT count(*) FROM secret_version) AS versions`,
        );
        return { tx: Number(row.tx), names: Number(row.names), versions: Number(row.versions) };
      }),
    );
  const logEntries = async (from: number): Promise<LogEntry[]> =>
    (await cluster.logs(0))
      .slice(from)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogEntry);

  it(`accepts exactly ${MAX_ENV_ENTRIES} entries (the limit itself)`, async () => {
    const content = Array.from({ length: MAX_ENV_ENTRIES }, (_, i) => `PLAIN_${i}=value-${i}`).join('\n') + '\n';
    const answer = await cluster.client(1).envText(content);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(content);
  });

  it(`refuses ${MAX_ENV_ENTRIES + 1} entries with 413 PAYLOAD_TOO_LARGE naming the limit, before any split or write`, async () => {
    const names = Array.from({ length: MAX_ENV_ENTRIES + 1 }, (_, i) => `BOUND_${String(i).padStart(4, '0')}`);
    const content = names.map((name) => `${name}=enc(${largeValue(name.toLowerCase())})`).join('\n') + '\n';
    const threadsBefore = await procStatus(pid, 'Threads');
    const rowsBefore = await rowCounts();
    const logFrom = (await cluster.logs(0)).length;

    const answer = await cluster.client(0).envText(content);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(answer.body.message).toContain(String(MAX_ENV_ENTRIES));

    // No split: no worker thread was started for the 1,001 large values.
    expect(await procStatus(pid, 'Threads')).toBe(threadsBefore);
    // No write: no transaction record, name or share anywhere, and none of the names exists.
    expect(await rowCounts()).toEqual(rowsBefore);
    for (let i = 0; i < 3; i++) {
      const rows = await cluster.query(i, `SELECT name FROM secret_state WHERE name LIKE 'BOUND\\_%' UNION SELECT name FROM secret_version WHERE name LIKE 'BOUND\\_%'`);
      expect(rows).toEqual([]);
    }
    for (const name of [names[0], names[500], names[MAX_ENV_ENTRIES]]) expect((await cluster.client(2).read(name)).status).toBe(404);
    // The log of the replica that was asked shows the refused request and nothing else of it.
    const requestId = answer.headers.get('x-request-id');
    // (The log reaches its file through a pipe: wait for the line.)
    await eventually(async () => {
      const entries = (await logEntries(logFrom)).filter((e) => e.requestId === requestId);
      expect(entries).toEqual([expect.objectContaining({ msg: 'request', method: 'POST', path: '/v1/env', status: 413 })]);
    }, 5000);
    const log = (await cluster.logs(0)).slice(logFrom);
    expect(names.filter((name) => log.includes(name))).toEqual([]);
  });

  it(`refuses ${MAX_ENV_ENTRIES + 1} entries sent as JSON just the same`, async () => {
    const content = Array.from({ length: MAX_ENV_ENTRIES + 1 }, (_, i) => `PLAIN_${i}=value-${i}`).join('\n');
    const answer = await cluster.client(2).envJson(content);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(String(MAX_ENV_ENTRIES)) });
  });

  it('the probes above do see a split and a write (control): one large enc(...) starts a worker thread and a transaction', async () => {
    const threadsBefore = await procStatus(pid, 'Threads');
    const rowsBefore = await rowCounts();
    const answer = await cluster.client(0).envJson(`BOUND_CONTROL=enc(${largeValue('control')})\n`);
    expect(answer.status).toBe(200);
    expect(answer.body.created).toEqual(['BOUND_CONTROL']);
    expect(await procStatus(pid, 'Threads')).toBeGreaterThan(threadsBefore);
    const rowsAfter = await rowCounts();
    expect(rowsAfter[0].tx).toBeGreaterThan(rowsBefore[0].tx);
    expect(rowsAfter[0].versions).toBe(rowsBefore[0].versions + 1);
  });
});
