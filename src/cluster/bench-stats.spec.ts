import { percentile, summarise } from './bench-stats';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarises throughput and latency of a phase', () => {
    const result = summarise('read', [10, 30, 20, 40], 1, 2, 2);
    expect(result).toMatchObject({ ops: 4, errors: 1, opsPerSecond: 2, p50: 20, max: 40 });
  });
});
