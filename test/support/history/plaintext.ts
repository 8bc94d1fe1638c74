/** What the plaintext scan needs of a cluster: its replicas' schemas and logs. */
export interface ScanTarget {
  readonly n: number;
  schema(index: number): string;
  query<T = Record<string, unknown>>(index: number, sql: string, params?: unknown[]): Promise<T[]>;
  logs(index: number): Promise<string>;
}

/** The forms in which a plaintext could hide: as text, as hex (bytea dumps), as base64. */
export function plaintextForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

/**
 * Every row of every table of every replica's schema, and every replica's log, searched
 * for each plaintext. Returns what was found where (empty when nothing leaked). The e2e
 * suites and the fault suite share it.
 */
export async function findPlaintexts(target: ScanTarget, plaintexts: string[]): Promise<string[]> {
  const needles = plaintexts.flatMap((p) => plaintextForms(p).map((form) => ({ plaintext: p, form })));
  const found: string[] = [];
  for (let i = 0; i < target.n; i++) {
    const tables = await target.query<{ table_name: string }>(
      i,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [target.schema(i)],
    );
    for (const { table_name } of tables) {
      const rows = await target.query<{ row: string }>(i, `SELECT t::text AS row FROM "${table_name}" t`);
      // bytea renders as \x<hex> inside a row's text; compare case-insensitively for hex.
      const dump = rows.map((r) => r.row).join('\n');
      const lower = dump.toLowerCase();
      for (const { plaintext, form } of needles) {
        if (dump.includes(form) || (/^[0-9a-f]+$/.test(form) && lower.includes(form))) {
          found.push(`n${i + 1}.${table_name} holds ${JSON.stringify(plaintext)} as ${form === plaintext ? 'text' : 'an encoding'}`);
        }
      }
    }
    const log = await target.logs(i);
    for (const { plaintext, form } of needles) {
      if (log.includes(form)) found.push(`n${i + 1} log holds ${JSON.stringify(plaintext)}`);
    }
  }
  return found;
}
