import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalCredentials {
  apiToken: string;
  peerSecret: string;
  postgresPassword: string;
  /** Keys each replica's own database password (replicaDatabasePassword). */
  replicaLoginSecret: string;
}

/** Replica `nodeId`'s own database password, stable across restarts. */
export function replicaDatabasePassword(credentials: LocalCredentials, nodeId: string): string {
  return createHmac('sha256', credentials.replicaLoginSecret).update(`db-login:${nodeId}`).digest('base64url');
}

/**
 * The local cluster's secrets, generated once and kept in ./.vault/credentials.json with
 * mode 0600, so that a restart keeps the same token and can read what it wrote before.
 */
export async function loadOrCreateCredentials(stateDir: string): Promise<LocalCredentials> {
  // 0711: the postgres user must traverse into ./.vault/postgres; nobody else may list it.
  await mkdir(stateDir, { recursive: true, mode: 0o711 });
  await chmod(stateDir, 0o711);
  const file = join(stateDir, 'credentials.json');
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as LocalCredentials;
    await chmod(file, 0o600);
    if (!stored.replicaLoginSecret) {
      // Written by a version before per-replica logins.
      stored.replicaLoginSecret = randomBytes(32).toString('base64url');
      await writeFile(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    }
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const credentials: LocalCredentials = {
    apiToken: randomBytes(32).toString('base64url'),
    peerSecret: randomBytes(48).toString('base64url'),
    postgresPassword: randomBytes(24).toString('base64url'),
    replicaLoginSecret: randomBytes(32).toString('base64url'),
  };
  await writeFile(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return credentials;
}
