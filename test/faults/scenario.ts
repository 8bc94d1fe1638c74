import { randomBytes } from 'node:crypto';
import { FaultCluster } from './cluster';
import { LOCK_TTL_MS, PEER_TIMEOUT_MS } from './run';

/**
 * A cluster for a written-out fault schedule in the e2e suites: the fault suite's timings
 * (so that what a run found replays under the same leases and timeouts), on the e2e run's
 * Postgres, in schemas of its own.
 */
export function scenarioCluster(shape: { n: number; k: number; m: number }, logDir: string, label: string, bug?: string): FaultCluster {
  return new FaultCluster({
    ...shape,
    databaseUrl: process.env.VAULT_E2E_DATABASE_URL!,
    logDir,
    lockTtlMs: LOCK_TTL_MS,
    peerTimeoutMs: PEER_TIMEOUT_MS,
    sweepIntervalMs: 500,
    prefix: `${label}_${randomBytes(3).toString('hex')}`,
    bug,
  });
}
