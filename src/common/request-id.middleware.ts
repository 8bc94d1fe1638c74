import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every response carries X-Request-Id: the client's own if it sent a sane one, else a new
 * one. Mounted first, so that even a body the parser refuses gets its id.
 */
export function assignRequestId(request: Request, response: Response, next: NextFunction): void {
  const sent = request.headers['x-request-id'];
  const requestId = typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
  request.headers['x-request-id'] = requestId;
  response.setHeader('X-Request-Id', requestId);
  next();
}

/** The request's id, as assignRequestId set it ('' before that, e.g. in a unit test). */
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  return String(request.headers['x-request-id'] ?? '');
}
