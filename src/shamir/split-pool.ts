import { join } from 'node:path';
import { Piscina } from 'piscina';
import { ShamirError } from './errors';

/** What the worker receives; a Uint8Array crosses the thread boundary by structured clone. */
interface SplitTask {
  padded: Uint8Array;
  n: number;
  k: number;
}

/**
 * A plain .js file next to this one, so it loads from src/ under ts-jest and from dist/
 * (copied there by the nest-cli.json asset rule) without a TypeScript loader in the worker.
 */
const WORKER_FILE = join(__dirname, 'split.worker.js');

/**
 * Splitting is CPU-bound, so more threads than cores only add contention, and `npm start`
 * runs several replicas on one machine. Two threads let two large writes split at once.
 */
const MAX_THREADS = 2;

/**
 * No thread exists until the first large split and none outlives 30 s of quiet, so a
 * replica that stores only small values never starts one. Piscina also unrefs idle
 * threads, so an idle pool never keeps a process alive.
 */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * Large splits waiting for a thread, at most. Past it a write is refused at once with
 * 503 OVERLOADED (docs/api.md) instead of queueing towards its deadline.
 */
export const MAX_QUEUED_SPLITS = 256;

/** The worker pool's queue is full. */
export class SplitQueueFullError extends ShamirError {
  constructor() {
    super(`More than ${MAX_QUEUED_SPLITS} large values are waiting to be split.`);
  }
}

let pool: Piscina<SplitTask, Uint8Array[]> | undefined;
let completed = 0;

/** Splits `padded` on a worker thread; the shares come back as structured clones. */
export async function splitOnWorker(padded: Uint8Array, n: number, k: number): Promise<Uint8Array[]> {
  pool ??= new Piscina<SplitTask, Uint8Array[]>({
    filename: WORKER_FILE,
    minThreads: 0,
    maxThreads: MAX_THREADS,
    idleTimeout: IDLE_TIMEOUT_MS,
  });
  if (pool.queueSize >= MAX_QUEUED_SPLITS) throw new SplitQueueFullError();
  const shares = await pool.run({ padded, n, k });
  completed++;
  return shares;
}

/**
 * How many splits the worker pool has completed in this process. Tests read it to prove
 * that large values really leave the main thread (speed is measured, never asserted, so
 * this is what fails if someone removes the worker).
 */
export function workerSplitCount(): number {
  return completed;
}

/** Ends the pool's threads; a later large split starts a new pool. */
export async function shutdownShamirWorkers(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
