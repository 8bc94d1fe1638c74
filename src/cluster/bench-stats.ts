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

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/**
 * Where a CPU profile's samples fell: the functions with the most self time, and the share
 * of time in native code with no JavaScript frame of its own (system calls, the
 * garbage collector, the idle loop).
 */
export function profileSummary(profile: { nodes: ProfileNode[] }, top = 15): string {
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  let native = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += hits;
    else if (functionName === '(garbage collector)') gc += hits;
    else if (!url) native += hits;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^node:/, 'node:')}:${lineNumber + 1}` : 'native';
    const key = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  const busy = Math.max(1, total - idle);
  const pct = (x: number) => `${((100 * x) / busy).toFixed(1)} %`;
  const lines = [`  busy samples: ${busy} of ${total} (idle ${((100 * idle) / Math.max(1, total)).toFixed(1)} %); of busy time: native without a JS frame (system calls, (program)) ${pct(native)}, garbage collector ${pct(gc)}`];
  const ranked = [...byFunction].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, hits] of ranked) lines.push(`  ${pct(hits).padStart(7)}  ${key}`);
  return lines.join('\n');
}

/** One statement's totals over a phase, from pg_stat_statements. */
export interface StatementStats {
  query: string;
  calls: number;
  totalMs: number;
  sharedBlocksHit: number;
  sharedBlocksRead: number;
}

/**
 * The statements that took Postgres the most execution time in a phase: calls, mean time
 * and buffers touched per call, and the start of the (normalised, parameterised) text.
 * Buffers per call is what showed a cached plan scanning whole tables (docs/benchmarks.md).
 */
export function statementLines(stats: StatementStats[], top = 4, width = 80): string[] {
  const ranked = [...stats].filter((s) => s.calls > 0).sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  return ranked.map((s) => {
    const text = s.query.replace(/\s+/g, ' ').trim();
    const shown = text.length > width ? `${text.slice(0, width - 3)}...` : text;
    const mean = (s.totalMs / s.calls).toFixed(2);
    const buffers = Math.round((s.sharedBlocksHit + s.sharedBlocksRead) / s.calls);
    return `    ${String(Math.round(s.totalMs)).padStart(6)} ms  ${String(s.calls).padStart(6)} calls  ${mean.padStart(6)} ms/call  ${String(buffers).padStart(5)} buffers/call  ${shown}`;
  });
}

/**
 * What each statement cost between two snapshots of `pg_stat_statements` (cumulative
 * counters), for statements called meanwhile. A statement first seen in `after` counts
 * whole; one missing from `after` (the statistics were reset) is left out.
 */
export function statementDelta(before: StatementStats[], after: StatementStats[]): StatementStats[] {
  const earlier = new Map(before.map((s) => [s.query, s]));
  return after
    .map((s) => {
      const e = earlier.get(s.query);
      if (!e || e.calls > s.calls) return s;
      return {
        query: s.query,
        calls: s.calls - e.calls,
        totalMs: s.totalMs - e.totalMs,
        sharedBlocksHit: s.sharedBlocksHit - e.sharedBlocksHit,
        sharedBlocksRead: s.sharedBlocksRead - e.sharedBlocksRead,
      };
    })
    .filter((s) => s.calls > 0);
}

/** One interval of a soak run (`npm run soak`). */
export interface SoakInterval {
  /** Seconds since the load began, at the end of the interval. */
  at: number;
  seconds: number;
  /** Latencies of the requests answered as intended (2xx; 404 and 409 where the mix expects them). */
  latenciesMs: number[];
  /** Other answers, by method, status and code: "GET 503 INSUFFICIENT_SHARDS". */
  errors: Map<string, number>;
  /** Writes answered 409 WRITE_CONFLICT: another write held the name (SPEC: safe to retry). */
  conflicts: number;
  /** Statements Postgres ran in the interval (`statementDelta`), for its time and the costliest. */
  statements: StatementStats[];
  residentMiB: number[];
  /** Share rows in all replicas' shares tables, and their size with indexes. */
  shareRows: number;
  shareBytes: number;
}

/**
 * A soak interval as one line: throughput, latency, errors by kind, write conflicts,
 * memory, the shares tables, and Postgres's execution time with the statement that took
 * most of it (so that a slow minute can be told from a slow machine).
 */
export function soakLine(interval: SoakInterval): string {
  const sorted = [...interval.latenciesMs].sort((a, b) => a - b);
  const errors = [...interval.errors].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${count} ${kind}`);
  const perSecond = Math.round(interval.latenciesMs.length / Math.max(1e-9, interval.seconds));
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const postgresMs = interval.statements.reduce((sum, s) => sum + s.totalMs, 0);
  const top = [...interval.statements].sort((a, b) => b.totalMs - a.totalMs)[0];
  const topText = top ? `, most ${seconds(top.totalMs)} in ${top.calls} x ${top.query.replace(/\s+/g, ' ').trim().slice(0, 40)}` : '';
  return [
    `${String(Math.round(interval.at)).padStart(5)} s`,
    `${String(perSecond).padStart(5)} ops/s`,
    `p50 ${Math.round(percentile(sorted, 50))} ms`,
    `p99 ${Math.round(percentile(sorted, 99))} ms`,
    `errors ${errors.length > 0 ? errors.join(', ') : '0'}`,
    `conflicts ${interval.conflicts}`,
    `replicas ${interval.residentMiB.join('/')} MiB`,
    `shares ${interval.shareRows} rows, ${Math.round(interval.shareBytes / 2 ** 20)} MiB`,
    `postgres ${seconds(postgresMs)}${topText}`,
  ].join(' | ');
}
