import { percentile, soakLine, statementLines, summarise } from './bench-stats';

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

  it('ranks statements by execution time and shows calls, time and buffers per call, with the text shortened', () => {
    const lines = statementLines(
      [
        { query: 'SELECT 1', calls: 10, totalMs: 5, sharedBlocksHit: 0, sharedBlocksRead: 0 },
        { query: 'WITH looked_up AS (\n   SELECT unnest($1::varchar[]) AS name UNION SELECT unnest(t.names) FROM tx_record t)', calls: 200, totalMs: 6761, sharedBlocksHit: 828_000, sharedBlocksRead: 126 },
        { query: 'INSERT INTO audit_log (at) VALUES ($1)', calls: 300, totalMs: 100, sharedBlocksHit: 600, sharedBlocksRead: 0 },
        { query: 'never called', calls: 0, totalMs: 0, sharedBlocksHit: 0, sharedBlocksRead: 0 },
      ],
      2,
      40,
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('      6761 ms     200 calls   33.80 ms/call   4141 buffers/call  WITH looked_up AS ( SELECT unnest($1:...');
    expect(lines[1]).toBe('       100 ms     300 calls    0.33 ms/call      2 buffers/call  INSERT INTO audit_log (at) VALUES ($1)');
  });

  it('shows a soak interval as one line, with errors by kind, most frequent first', () => {
    const line = soakLine({
      at: 120,
      seconds: 60,
      latenciesMs: Array.from({ length: 600 }, (_, i) => i + 1),
      errors: new Map([
        ['PUT 503 OVERLOADED', 1],
        ['GET 503 INSUFFICIENT_SHARDS', 3],
      ]),
      residentMiB: [210, 305],
      shareRows: 12_345,
      shareBytes: 40 * 2 ** 20,
    });
    expect(line).toBe('  120 s |    10 ops/s | p50 300 ms | p99 594 ms | errors 3 GET 503 INSUFFICIENT_SHARDS, 1 PUT 503 OVERLOADED | replicas 210/305 MiB | shares 12345 rows, 40 MiB');
  });
});
