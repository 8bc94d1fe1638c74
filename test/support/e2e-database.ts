/** The e2e run's embedded Postgres, started by the global setup. */
export function e2eDatabaseUrl(): string {
  const url = process.env.VAULT_E2E_DATABASE_URL;
  if (!url) throw new Error('VAULT_E2E_DATABASE_URL is not set: run through jest (the e2e global setup starts Postgres)');
  return url;
}
