import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface WorkerReport {
  /** How many of a deliberate unhandled rejection the worker's listener saw (must be 1). */
  selfCheck: { unhandled: number };
  /** Each malformed scenario's failure as the call reported it. */
  outcomes: Record<string, string>;
  unhandledRejections: string[];
  uncaughtExceptions: string[];
}

/**
 * Runs every malformed-answer scenario (answer-scenarios.ts) in a worker thread, where
 * `process.on('unhandledRejection')` and `process.on('uncaughtException')` hear the
 * thread's real events (in Jest's sandbox they do not), and reports what they heard.
 */
export function runScenariosInWorker(): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'scenario-worker.js'));
    worker.once('message', (report: WorkerReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`scenario worker exited (${code}) without a report`)));
  });
}
