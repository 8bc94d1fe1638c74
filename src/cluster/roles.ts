import { withClient } from '../common/pg-client';

export interface ReplicaLogin {
  schema: string;
  role: string;
  password: string;
}

/**
 * One Postgres role per replica, owning only its own schema (docs/configuration.md,
 * "One database login per replica"): no replica's login can read another's shares, so one
 * leaked DATABASE_URL or one replica's dump yields at most one share of each secret. With
 * an admin connection: creates each role and schema if missing (idempotent), takes away
 * what PUBLIC gets by default (CREATE and TEMPORARY on the database, everything on the
 * public schema), and returns each replica's own connection string.
 */
export async function provisionReplicaLogins(adminUrl: string, logins: ReplicaLogin[]): Promise<string[]> {
  await withClient(adminUrl, async (admin) => {
    const [{ db }] = (await admin.query(`SELECT current_database() AS db`)).rows as Array<{ db: string }>;
    await admin.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${ident(db)} FROM PUBLIC`);
    await admin.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    for (const login of logins) {
      const exists = (await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [login.role])).rowCount;
      const password = `'${login.password.replace(/'/g, "''")}'`;
      await admin.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${ident(login.role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`);
      await admin.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${ident(login.role)}`);
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${ident(login.schema)} AUTHORIZATION ${ident(login.role)}`);
      await admin.query(`REVOKE ALL ON SCHEMA ${ident(login.schema)} FROM PUBLIC`);
    }
  });
  return logins.map((login) => {
    const url = new URL(adminUrl);
    url.username = login.role;
    url.password = login.password;
    return url.toString();
  });
}

/** Drops the replicas' schemas and roles (tests clean up after themselves). */
export async function dropReplicaLogins(adminUrl: string, logins: ReplicaLogin[]): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    const [{ db }] = (await admin.query(`SELECT current_database() AS db`)).rows as Array<{ db: string }>;
    for (const login of logins) {
      await admin.query(`DROP SCHEMA IF EXISTS ${ident(login.schema)} CASCADE`);
      await admin.query(`REVOKE ALL ON DATABASE ${ident(db)} FROM ${ident(login.role)}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${ident(login.role)}`);
    }
  });
}

/** Identifiers here are our own ([a-z0-9_]); quoting keeps them exact anyway. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
