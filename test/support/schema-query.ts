import { Pool } from 'pg';

/** Runs SQL in one replica's schema, on a connection of a pool shared by the test's clusters. */
export async function queryInSchema<T = Record<string, unknown>>(pool: Pool, schema: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    client.release();
  }
}
