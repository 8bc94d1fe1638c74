import { cpuSecondsOf, CpuMeter, residentMiBOf } from './process-cpu';

describe('process CPU accounting for the benchmark', () => {
  it('reads user + system ticks from a /proc stat line, even with spaces and parentheses in the command name', () => {
    // pid (comm) state ppid ... field 14 utime, field 15 stime (1-based, man 5 proc)
    const stat = '4242 (node (replica) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0';
    expect(cpuSecondsOf(4242, () => stat)).toBe(3);
  });

  it('reads resident memory in MiB from /proc status, and 0 for a process it cannot read', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmRSS:\t  409600 kB\nThreads:\t11\n';
    expect(residentMiBOf(7, () => status)).toBe(400);
    expect(
      residentMiBOf(7, () => {
        throw new Error('ENOENT');
      }),
    ).toBe(0);
  });

  it('counts a process it cannot read as 0', () => {
    expect(
      cpuSecondsOf(1, () => {
        throw new Error('ENOENT');
      }),
    ).toBe(0);
  });

  it('reports cores busy per group over the interval, counting processes that started meanwhile from zero', () => {
    const used = new Map<number, number>([
      [1, 10],
      [2, 4],
    ]);
    let clock = 0;
    const pg = [2];
    const meter = new CpuMeter({ replicas: () => [1], postgres: () => pg }, (pid) => used.get(pid) ?? 0, () => clock);
    meter.start();
    clock = 2000;
    used.set(1, 13); // 3 s of CPU in 2 s: 1.5 cores
    used.set(2, 5);
    pg.push(3); // a backend that started during the interval
    used.set(3, 1);
    expect(meter.stop()).toEqual({ replicas: 1.5, postgres: 1 });
  });
});
