import type { IncomingMessage, ServerResponse } from 'node:http';
import { Metrics } from './metrics';

/**
 * The handler of VAULT_METRICS_PORT's listener: `GET /metrics` in the Prometheus text
 * format, without a token (docs/operations.md: expose that port to the scraper only).
 * Nothing else is served there: no API, no body is ever read.
 */
export function metricsHandler(metrics: Metrics) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  };
}
