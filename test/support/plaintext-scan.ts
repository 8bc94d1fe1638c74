import { TestCluster, TestClusterOptions } from './cluster';

/** The forms in which a plaintext could hide: as text, as hex (bytea dumps), as base64. */
function forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

/**
 * Every row of every table of every replica's schema, and every replica's log, searched
 * for each plaintext. Returns what was found where (empty when nothing leaked).
 */
export async function findPlaintexts(cluster: TestCluster, plaintexts: string[]): Promise<string[]> {
  const needles = plaintexts.flatMap((p) => forms(p).map((form) => ({ plaintext: p, form })));
  const found: string[] = [];
  for (let i = 0; i < cluster.options.n; i++) {
    const tables = await cluster.query<{ table_name: string }>(
      i,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [cluster.schema(i)],
    );
    for (const { table_name } of tables) {
      const rows = await cluster.query<{ row: string }>(i, `SELECT t::text AS row FROM "${table_name}" t`);
      // bytea renders as \x<hex> inside a row's text; compare case-insensitively for hex.
      const dump = rows.map((r) => r.row).join('\n');
      for (const { plaintext, form } of needles) {
        if (dump.includes(form) || (/^[0-9a-f]+$/.test(form) && dump.toLowerCase().includes(form))) {
          found.push(`n${i + 1}.${table_name} holds ${JSON.stringify(plaintext)} as ${form === plaintext ? 'text' : 'an encoding'}`);
        }
      }
    }
    const log = await cluster.logs(i);
    for (const { plaintext, form } of needles) {
      if (log.includes(form)) found.push(`n${i + 1} log holds ${JSON.stringify(plaintext)}`);
    }
  }
  return found;
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
