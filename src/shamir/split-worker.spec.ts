import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import * as library from 'shamir-secret-sharing';
import { combineShares } from './combine';
import { MAX_SECRET_BYTES, pad } from './padding';
import { INLINE_SPLIT_MAX_PADDED_BYTES, splitSecret } from './split';
import { shutdownShamirWorkers, workerSplitCount } from './split-pool';

const valueOf = (length: number): Uint8Array => new Uint8Array(randomBytes(length));

/**
 * The longest time the event loop was blocked while `work` ran, in milliseconds, from a
 * 1 ms-resolution histogram of event-loop delay. Printed, never asserted: speed is measured.
 */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return histogram.max / 1e6;
}

/** The main thread's calls of the library's split(); the worker thread has its own copy. */
let mainThreadSplit: jest.SpyInstance;

beforeEach(() => {
  mainThreadSplit = jest.spyOn(library, 'split');
});

afterEach(() => mainThreadSplit.mockRestore());

afterAll(() => shutdownShamirWorkers());

describe('where splitSecret runs', () => {
  it('splits a value padded to at most 1 KiB on the calling thread', async () => {
    const before = workerSplitCount();
    await splitSecret(valueOf(1020), 5, 3);
    expect(mainThreadSplit).toHaveBeenCalledTimes(1);
    expect(workerSplitCount()).toBe(before);
  });

  it('splits a larger value on a worker thread, and its shares combine and derive on this one', async () => {
    expect(pad(valueOf(1021)).length).toBeGreaterThan(INLINE_SPLIT_MAX_PADDED_BYTES);
    for (const length of [1021, MAX_SECRET_BYTES]) {
      const before = workerSplitCount();
      const value = valueOf(length);
      const shares = await splitSecret(value, 5, 3);

      expect(mainThreadSplit).not.toHaveBeenCalled();
      expect(workerSplitCount()).toBe(before + 1);
      expect(Buffer.compare(await combineShares(shares.slice(2)), value)).toBe(0);
      expect(Buffer.compare(await combineShares([shares[0], shares[1], shares[4]]), value)).toBe(0);
    }
  });

  it('starts a new pool after a shutdown', async () => {
    await shutdownShamirWorkers();
    const before = workerSplitCount();
    await splitSecret(valueOf(5000), 3, 2);
    expect(workerSplitCount()).toBe(before + 1);
  });

  it('is shipped in dist: nest build copies the worker file next to the compiled code', () => {
    const nestCli = JSON.parse(readFileSync(join(__dirname, '../../nest-cli.json'), 'utf8')) as {
      compilerOptions?: { assets?: (string | { include: string })[] };
    };
    const includes = (nestCli.compilerOptions?.assets ?? []).map((asset) => (typeof asset === 'string' ? asset : asset.include));
    expect(includes).toContain('shamir/*.worker.js');
  });
});

/**
 * Under Jest the library runs in a vm sandbox, where each of its per-byte global lookups
 * (`Number.isInteger`) goes through the sandbox's global object: split and combine run
 * about 150 times slower on the main thread here than under plain node (the worker thread
 * is outside the sandbox). The main-thread numbers printed here overstate production; the
 * point of comparison is the worker's stall, which stays at the histogram's floor.
 */
describe('speed of a 64 KiB split into 5 shares (printed, not asserted)', () => {
  it('measures the longest event-loop stall with and without the worker, and the combine time', async () => {
    const value = valueOf(MAX_SECRET_BYTES);
    const padded = pad(value);

    mainThreadSplit.mockRestore();
    const inline = await longestStall(() => library.split(padded, 5, 3));
    await shutdownShamirWorkers();
    const coldWorker = await longestStall(() => splitSecret(value, 5, 3));
    const warmWorker = await longestStall(() => splitSecret(value, 5, 3));

    const shares = await splitSecret(value, 5, 3);
    let start = performance.now();
    await combineShares(shares.slice(0, 3));
    const combineMs = performance.now() - start;

    console.log(
      [
        'shamir speed under Jest, 64 KiB value, n = 5, k = 3:',
        `  longest event-loop stall, split on the main thread: ${inline.toFixed(1)} ms`,
        `  longest event-loop stall, split on the worker (pool starting): ${coldWorker.toFixed(1)} ms`,
        `  longest event-loop stall, split on the worker (pool running): ${warmWorker.toFixed(1)} ms`,
        `  combine of 3 shares: ${combineMs.toFixed(1)} ms`,
      ].join('\n'),
    );
  });
});
