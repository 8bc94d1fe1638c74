import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { STATUS_BY_CODE } from '../common/error-status';
import { AuditUnavailableError } from '../common/errors';
import { JsonLogger } from '../common/json-logger';
import { requestIdOf } from '../common/request-id.middleware';
import { AuditEntry, AuditLog } from '../vault/audit/audit-log';
import { VaultRequest } from './access';

/** The paths every request to which is audited: the API and /status (not health probes, docs or metrics). */
export const AUDITED_PATHS = ['/v1', '/status'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_OPERATION = 300;

/**
 * The audit trail (docs/security.md, "Audit"). Mounted before authentication, so that
 * refusals are recorded too. It holds every answer until the request's `response` record
 * is durable in this replica's audit table, and writes one log line with the same fields;
 * when the record cannot be written, the answer is replaced by 503 AUDIT_UNAVAILABLE (the
 * work has run by then: see AuditGuard for changes, which are recorded before).
 */
export function auditTrailMiddleware(audit: AuditLog, logger: JsonLogger) {
  return (request: VaultRequest, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const path = pathOf(request.originalUrl);
    request.audit ??= {};
    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    let held = false;
    response.end = ((...args: unknown[]) => {
      if (held) return end(...args);
      held = true;
      const entry = responseEntry(request, response, path, started);
      const logLine = (fields: Record<string, unknown>) =>
        logger.event(entry.status !== null && entry.status >= 500 ? 'warn' : 'info', 'request', {
          // Set here too: a request refused before its context was bound (a 401) has none.
          requestId: entry.requestId,
          method: request.method,
          path,
          status: entry.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...lineFields(entry),
          ...fields,
        });
      audit.record(entry).then(
        () => {
          logLine({});
          end(...args);
        },
        () => {
          // A refusal because the request record failed is already the answer to give.
          if (response.locals.errorCode === 'AUDIT_UNAVAILABLE' || response.headersSent) {
            logLine({ audit: 'failed' });
            if (response.headersSent) response.destroy();
            else end(...args);
            return;
          }
          const refusal = new AuditUnavailableError('response');
          logLine({ audit: 'failed', withheldStatus: entry.status, withheldCode: entry.code, status: 503, code: refusal.code });
          replaceAnswer(response, end, request, refusal);
        },
      );
      return response;
    }) as Response['end'];
    next();
  };
}

/**
 * Records the `request` stage of every change (anything but GET/HEAD/OPTIONS) before the
 * handler runs: a change whose audit record cannot be written is refused with 503
 * AUDIT_UNAVAILABLE (`stage: "request"`) before anything is done. Reads need no such
 * record: their answer is withheld until their `response` record is written.
 *
 * A guard, registered after the AccessGuard, rather than an interceptor: it runs at the
 * same point (after the access check, before the pipes and the handler), and with no
 * interceptor at all Nest skips its per-request rxjs and AsyncResource chain, which was
 * about 7 % of a replica's CPU under read load (docs/benchmarks.md).
 */
@Injectable()
export class AuditGuard implements CanActivate {
  constructor(private readonly audit: AuditLog) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<VaultRequest>();
    if (!request.audit || SAFE_METHODS.has(request.method)) return true;
    try {
      await this.audit.record({ ...baseEntry(request, pathOf(request.originalUrl)), stage: 'request', status: null, code: null, durationMs: null });
    } catch {
      throw new AuditUnavailableError('request');
    }
    return true;
  }
}

function baseEntry(request: VaultRequest, path: string): Omit<AuditEntry, 'stage' | 'status' | 'code' | 'durationMs'> {
  const note = request.audit ?? {};
  const principal = note.principal;
  const route = (request.route as { path?: unknown } | undefined)?.path;
  const operation = typeof route === 'string' ? `${request.method} ${route.replace(/:([A-Za-z]+)/g, '{$1}')}` : `${request.method} ${path}`;
  return {
    time: Date.now(),
    requestId: requestIdOf(request),
    tokenId: principal?.tokenId ?? null,
    tokenName: principal?.tokenName ?? null,
    operation: operation.slice(0, MAX_OPERATION),
    name: note.name ?? null,
    names: note.names ?? null,
    version: note.version ?? null,
    clientAddress: request.socket?.remoteAddress ?? null,
  };
}

function responseEntry(request: VaultRequest, response: Response, path: string, started: number): AuditEntry {
  const status = response.statusCode;
  const code = status >= 400 ? (typeof response.locals.errorCode === 'string' ? response.locals.errorCode : null) : null;
  return { ...baseEntry(request, path), stage: 'response', status, code, durationMs: Math.round((performance.now() - started) * 10) / 10 };
}

/** The audit fields of the log line (the method, path and status are there already). */
function lineFields(entry: AuditEntry): Record<string, unknown> {
  return {
    operation: entry.operation,
    tokenId: entry.tokenId,
    tokenName: entry.tokenName,
    name: entry.name ?? undefined,
    names: entry.names ?? undefined,
    version: entry.version ?? undefined,
    code: entry.code ?? undefined,
    client: entry.clientAddress,
  };
}

/** Drops the answer the handler made (body and its headers) and sends the refusal instead. */
function replaceAnswer(response: Response, end: (...args: unknown[]) => Response, request: VaultRequest, error: AuditUnavailableError): void {
  for (const header of ['content-type', 'content-length', 'content-disposition', 'location', 'retry-after', 'etag', 'last-modified']) response.removeHeader(header);
  const status = STATUS_BY_CODE[error.code];
  const body = JSON.stringify({ statusCode: status, code: error.code, message: error.message, requestId: requestIdOf(request), ...error.extra });
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', String(Buffer.byteLength(body)));
  end(body);
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
