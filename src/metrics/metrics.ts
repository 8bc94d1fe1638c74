import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';

/** Seconds; from a cached read (about a millisecond) to a write that waited on a lock. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * This process's Prometheus registry (docs/operations.md lists every metric). Counters
 * that code updates per request live here; everything else is read from the existing
 * counters and queues when /metrics is scraped (see collectors.ts), so the hot paths pay
 * an increment at most.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'vault_' });
    this.httpRequests = new Counter({
      name: 'vault_http_requests_total',
      help: 'Client requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'vault_http_request_duration_seconds',
      help: 'Time from receiving a client request to its answer, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** A gauge whose value is read at scrape time. */
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect: (gauge: Gauge<L>) => void | Promise<void>): void {
    new Gauge<L>({ name, help, labelNames, registers: [this.registry], collect() { return collect(this); } });
  }

  /** A counter whose value is copied, at scrape time, from a monotonic count kept elsewhere. */
  counter<L extends string>(name: string, help: string, labelNames: L[], read: () => Array<[Partial<Record<L, string>>, number]>): void {
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) if (value > 0) this.inc(labels, value);
      },
    });
  }

  /** Counts and times every request by its route pattern (never its path: names would explode the label set). */
  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      const started = performance.now();
      response.on('finish', () => {
        const labels = { method: request.method, route: routeOf(request), status: String(response.statusCode) };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, (performance.now() - started) / 1000);
      });
      next();
    };
  }
}

function routeOf(request: Request): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return route.replace(/:([A-Za-z]+)/g, '{$1}');
  const path = request.originalUrl;
  if (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-')) return '/docs';
  return 'unmatched';
}
