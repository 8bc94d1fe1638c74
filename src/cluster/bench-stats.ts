/** Latency percentiles (nearest rank) and throughput of one benchmark phase. */
export interface PhaseResult {
  phase: string;
  ops: number;
  errors: number;
  concurrency: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarise(phase: string, latenciesMs: number[], errors: number, concurrency: number, seconds: number): PhaseResult {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    phase,
    ops: latenciesMs.length,
    errors,
    concurrency,
    seconds: round(seconds),
    opsPerSecond: round(latenciesMs.length / seconds),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export function table(results: PhaseResult[]): string {
  const header = ['phase', 'ops', 'errors', 'conc.', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [r.phase, r.ops, r.errors, r.concurrency, r.opsPerSecond, r.p50, r.p95, r.p99, r.max].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}
