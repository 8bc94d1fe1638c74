import { percentile, soakLine, statementDelta, statementLines, summarise } from './bench-stats';

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
      conflicts: 2,
      residentMiB: [210, 305],
      shareRows: 12_345,
      shareBytes: 40 * 2 ** 20,
      statements: [
        { query: 'INSERT INTO audit_log (at) VALUES ($1)', calls: 300, totalMs: 900, sharedBlocksHit: 600, sharedBlocksRead: 0 },
        { query: 'VACUUM FULL secret_share', calls: 6, totalMs: 12_340, sharedBlocksHit: 9_000, sharedBlocksRead: 0 },
      ],
    });
    expect(line).toBe(
      '  120 s |    10 ops/s | p50 300 ms | p99 594 ms | errors 3 GET 503 INSUFFICIENT_SHARDS, 1 PUT 503 OVERLOADED | conflicts 2 | replicas 210/305 MiB | shares 12345 rows, 40 MiB | postgres 13.2 s, most 12.3 s in 6 x VACUUM FULL secret_share',
    );
  });

  it("takes an interval's statement costs as the difference of two cumulative snapshots", () => {
    const stat = (query: string, calls: number, totalMs: number) => ({ query, calls, totalMs, sharedBlocksHit: calls * 10, sharedBlocksRead: 0 });
    const delta = statementDelta(
      [stat('VACUUM FULL secret_share', 4, 800), stat('SELECT 1', 10, 5), stat('gone', 3, 3)],
      [stat('VACUUM FULL secret_share', 6, 1_300), stat('SELECT 1', 10, 5), stat('INSERT INTO audit_log', 7, 21)],
    );
    expect(delta).toEqual([stat('VACUUM FULL secret_share', 2, 500), stat('INSERT INTO audit_log', 7, 21)]);
  });
});
