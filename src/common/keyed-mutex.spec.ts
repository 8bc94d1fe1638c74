import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const task = (label: string, ms: number) =>
      mutex.runExclusive(['a'], Date.now() + 1000, async () => {
        events.push(`start ${label}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${label}`);
      });
    await Promise.all([task('1', 20), task('2', 5), task('3', 1)]);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('lets different keys run at the same time', async () => {
    const mutex = new KeyedMutex();
    let concurrent = 0;
    let peak = 0;
    const task = (key: string) =>
      mutex.runExclusive([key], Date.now() + 1000, async () => {
        peak = Math.max(peak, ++concurrent);
        await new Promise((r) => setTimeout(r, 20));
        concurrent--;
      });
    await Promise.all([task('a'), task('b'), task('c')]);
    expect(peak).toBe(3);
  });

  it('gives up at the deadline without breaking the queue for later holders', async () => {
    const mutex = new KeyedMutex();
    const long = mutex.runExclusive(['a'], Date.now() + 1000, () => new Promise((r) => setTimeout(() => r('long'), 80)));
    const impatient = await mutex.runExclusive(['a'], Date.now() + 10, async () => 'impatient');
    expect(impatient).toBeNull();
    const patient = mutex.runExclusive(['a'], Date.now() + 1000, async () => 'patient');
    expect(await long).toEqual({ value: 'long' });
    expect(await patient).toEqual({ value: 'patient' });
  });

  it('takes several keys in sorted order, so crossing holders do not deadlock', async () => {
    const mutex = new KeyedMutex();
    const results = await Promise.all([
      mutex.runExclusive(['a', 'b'], Date.now() + 1000, async () => 'ab'),
      mutex.runExclusive(['b', 'a'], Date.now() + 1000, async () => 'ba'),
    ]);
    expect(results).toEqual([{ value: 'ab' }, { value: 'ba' }]);
  });
});
