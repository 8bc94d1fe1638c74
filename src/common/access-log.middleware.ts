import type { NextFunction, Request, Response } from 'express';
import { JsonLogger } from './json-logger';
import { requestIdOf } from './request-id.middleware';

/**
 * One line per request: method, path, status, duration. Never a body, never a query
 * string's values beyond the path (secret names are identifiers, not secrets).
 */
export function accessLogMiddleware(logger: JsonLogger, loggedElsewhere: (path: string) => boolean = () => false) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (loggedElsewhere(request.path)) return next();
    const started = performance.now();
    response.on('finish', () => {
      const internal = request.path.startsWith('/internal/');
      logger.event(internal ? 'debug' : 'info', 'request', {
        requestId: requestIdOf(request),
        method: request.method,
        path: request.path,
        status: response.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}
