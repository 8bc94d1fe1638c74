import { Client, ClientConfig } from 'pg';

/**
 * Runs `work` on a connection of its own, closed afterwards whatever happens: for one-off
 * administrative statements (creating a schema, a database or the replicas' logins,
 * reading statement statistics), not for the replica's own queries, which use its pool.
 */
export async function withClient<T>(connection: string | ClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(typeof connection === 'string' ? { connectionString: connection } : connection);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
