import { TestCluster, TestClusterOptions } from './cluster';
import { findPlaintexts as scan } from './history/plaintext';

/**
 * Every row of every table of every replica's schema, and every replica's log, searched
 * for each plaintext (the scan itself lives in history/plaintext.ts, shared with the fault
 * suite). Returns what was found where (empty when nothing leaked).
 */
export function findPlaintexts(cluster: TestCluster, plaintexts: string[]): Promise<string[]> {
  return scan({ n: cluster.options.n, schema: (i) => cluster.schema(i), query: (i, sql, params) => cluster.query(i, sql, params), logs: (i) => cluster.logs(i) }, plaintexts);
}

/** A value unlikely to occur by chance anywhere, so that finding it means a leak. */
export function distinctivePlaintext(label: string): string {
  return `pt-${label}-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
}

/**
 * A cluster for one suite that remembers every plaintext the suite writes and, when the
 * suite ends, searches every table and log for them before shutting down.
 */
export function scannedCluster(options: TestClusterOptions) {
  const suite = {
    cluster: undefined as unknown as TestCluster,
    written: [] as string[],
    /** A fresh distinctive plaintext, remembered for the final scan. */
    value(label: string, extra = ''): string {
      const v = distinctivePlaintext(label) + extra;
      suite.written.push(v);
      return v;
    },
  };
  beforeAll(async () => {
    suite.cluster = await TestCluster.start(options);
  });
  afterAll(async () => {
    if (!suite.cluster) return;
    try {
      expect(await findPlaintexts(suite.cluster, suite.written)).toEqual([]);
    } finally {
      await suite.cluster.shutdown();
    }
  });
  return suite;
}
