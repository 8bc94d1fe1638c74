import { rm } from 'node:fs/promises';
import type { RunningPostgres } from '../../src/cluster/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__vaultPostgres as { postgres: RunningPostgres; dataDir: string } | undefined;
  if (!state) return;
  await state.postgres.stop();
  await rm(state.dataDir, { recursive: true, force: true });
}
