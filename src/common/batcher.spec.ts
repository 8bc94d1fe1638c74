import { Batcher, BatcherOptions, Settled } from './batcher';

/** A batch run that the test finishes by hand. */
interface Run {
  requests: string[];
  resolve(results: Array<Settled<string>>): void;
  reject(error: unknown): void;
}

function controlledBatcher(options: Partial<BatcherOptions<string>> = {}) {
  const runs: Run[] = [];
  const batcher = new Batcher<string, string>(
    (requests) =>
      new Promise((resolve, reject) => {
        runs.push({ requests, resolve, reject });
      }),
    { maxInFlight: 1, maxItems: 100, ...options },
  );
  /** Answers run `i` with each request's own upper-cased text. */
  const answer = (i: number) => runs[i].resolve(runs[i].requests.map((r) => ({ ok: true, value: r.toUpperCase() })));
  return { batcher, runs, answer };
}

/** Lets queued microtasks (the batcher's flush) run. */
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Batcher: batch formation', () => {
  it('sends a request on an idle batcher at once, within the current tick, without waiting for a timer', async () => {
    const { batcher, runs, answer } = controlledBatcher();
    const result = batcher.submit('a');
    expect(runs).toHaveLength(0); // the flush is queued, not synchronous
    await tick();
    expect(runs.map((r) => r.requests)).toEqual([['a']]);
    answer(0);
    await expect(result).resolves.toBe('A');
  });

  it('with flushAfter "io", lets requests from I/O callbacks already due join the batch; by default they miss it', async () => {
    const formed = async (flushAfter: 'tick' | 'io') => {
      const { batcher, runs } = controlledBatcher({ maxInFlight: 4, flushAfter });
      // Another request's callback is already due in this turn of the event loop.
      setImmediate(() => void batcher.submit('b'));
      void batcher.submit('a');
      await macrotask();
      await macrotask();
      return runs.map((r) => r.requests);
    };
    expect(await formed('io')).toEqual([['a', 'b']]);
    expect(await formed('tick')).toEqual([['a'], ['b']]);
  });

  it('with flushAfter "io", an idle batcher still sends a lone request without a timer', async () => {
    const { batcher, runs, answer } = controlledBatcher({ flushAfter: 'io' });
    const result = batcher.submit('a');
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([['a']]);
    answer(0);
    await expect(result).resolves.toBe('A');
  });

  it('puts requests made in the same tick into one batch', async () => {
    const { batcher, runs } = controlledBatcher({ maxInFlight: 4 });
    void batcher.submit('a');
    void batcher.submit('b');
    void batcher.submit('c');
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([['a', 'b', 'c']]);
  });

  it('while every in-flight slot is taken, coalesces the requests that arrive into one batch, sent when a slot frees', async () => {
    const { batcher, runs, answer } = controlledBatcher({ maxInFlight: 1 });
    const first = batcher.submit('a');
    await macrotask();
    const later = ['b', 'c', 'd'].map((r) => batcher.submit(r));
    await macrotask();
    await macrotask();
    expect(runs).toHaveLength(1);
    expect(batcher.busy).toBe(1);
    expect(batcher.queued).toBe(3);
    answer(0);
    await first;
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(batcher.queued).toBe(0);
    answer(1);
    await expect(Promise.all(later)).resolves.toEqual(['B', 'C', 'D']);
  });

  it('runs up to maxInFlight batches at once before it starts queueing', async () => {
    const { batcher, runs } = controlledBatcher({ maxInFlight: 2 });
    void batcher.submit('a');
    await macrotask();
    void batcher.submit('b');
    await macrotask();
    void batcher.submit('c');
    void batcher.submit('d');
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([['a'], ['b']]);
    expect(batcher.busy).toBe(2);
    expect(batcher.queued).toBe(2);
  });

  it('caps a batch at maxItems requests; the rest go in the next batches', async () => {
    const { batcher, runs, answer } = controlledBatcher({ maxInFlight: 1, maxItems: 2 });
    void batcher.submit('blocker');
    await macrotask();
    for (const r of ['a', 'b', 'c', 'd', 'e']) void batcher.submit(r);
    answer(0);
    await macrotask();
    answer(1);
    await macrotask();
    answer(2);
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([['blocker'], ['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fills every free slot from the queue at once, each batch within maxItems', async () => {
    const { batcher, runs } = controlledBatcher({ maxInFlight: 2, maxItems: 2 });
    for (const r of ['a', 'b', 'c', 'd', 'e']) void batcher.submit(r);
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(batcher.queued).toBe(1);
  });

  it('caps a batch at maxWeight, and sends a single request heavier than the cap alone', async () => {
    const { batcher, runs, answer } = controlledBatcher({ maxInFlight: 1, maxWeight: 10, weigh: (r) => r.length });
    void batcher.submit('x');
    await macrotask();
    for (const r of ['aaaa', 'bbbb', 'cc', 'dddddddddddddddd', 'e']) void batcher.submit(r);
    for (let i = 0; i < 4; i++) {
      answer(i);
      await macrotask();
    }
    expect(runs.map((r) => r.requests)).toEqual([['x'], ['aaaa', 'bbbb', 'cc'], ['dddddddddddddddd'], ['e']]);
  });

  it('a failing batch rejects only its own requests; the next batch still runs and succeeds', async () => {
    const { batcher, runs, answer } = controlledBatcher({ maxInFlight: 1 });
    const failing = [batcher.submit('a'), batcher.submit('b')];
    await macrotask();
    const next = [batcher.submit('c'), batcher.submit('d')];
    const boom = new Error('connection reset');
    runs[0].reject(boom);
    await expect(failing[0]).rejects.toBe(boom);
    await expect(failing[1]).rejects.toBe(boom);
    await macrotask();
    expect(runs.map((r) => r.requests)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    answer(1);
    await expect(Promise.all(next)).resolves.toEqual(['C', 'D']);
  });

  it('a failed result rejects only its request, and a result missing from the answer rejects only its own', async () => {
    const { batcher, runs } = controlledBatcher({ maxInFlight: 1 });
    const calls = ['a', 'b', 'c'].map((r) => batcher.submit(r));
    await macrotask();
    const refused = new Error('refused b');
    runs[0].resolve([
      { ok: true, value: 'A' },
      { ok: false, error: refused },
    ]);
    await expect(calls[0]).resolves.toBe('A');
    await expect(calls[1]).rejects.toBe(refused);
    await expect(calls[2]).rejects.toThrow('batch answered fewer results than requests');
  });

  it('a run that throws synchronously fails its batch without stopping the batcher', async () => {
    let calls = 0;
    const batcher = new Batcher<string, string>(
      (requests) => {
        calls++;
        if (calls === 1) throw new Error('sync failure');
        return Promise.resolve(requests.map((r) => ({ ok: true as const, value: r })));
      },
      { maxInFlight: 1, maxItems: 10 },
    );
    await expect(batcher.submit('a')).rejects.toThrow('sync failure');
    await expect(batcher.submit('b')).resolves.toBe('b');
    expect(batcher.busy).toBe(0);
  });
});
