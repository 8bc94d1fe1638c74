import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_BY_CODE } from './error-status';
import { ErrorCode, VaultError } from './errors';
import { JsonLogger } from './json-logger';
import { requestIdOf } from './request-id.middleware';

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
};

/**
 * The one place where errors become HTTP answers: `{statusCode, code, message, requestId}`
 * plus the error's own fields. Unknown errors are a 500 whose message says nothing of the
 * request (a driver error could quote parameters); they are logged by type and message only.
 */
@Catch()
export class VaultExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const { status, body } = this.toBody(exception, request);
    if (status >= 500 && !(exception instanceof VaultError)) {
      this.logger.event('error', 'unhandled error', {
        error: exception instanceof Error ? exception.name : typeof exception,
        detail: exception instanceof Error ? exception.message.slice(0, 300) : undefined,
        path: request.path,
        requestId: requestIdOf(request),
      });
    }
    if (response.headersSent) return;
    // The audit trail records the code beside the status.
    response.locals.errorCode = body.code;
    // OVERLOADED and RATE_LIMITED say when to come back (docs/api.md, "Errors").
    if (typeof body.retryAfterSeconds === 'number') response.setHeader('Retry-After', String(body.retryAfterSeconds));
    response.status(status).json(body);
  }

  private toBody(exception: unknown, request: Request): { status: number; body: Record<string, unknown> } {
    const requestId = requestIdOf(request);
    if (exception instanceof VaultError) {
      const status = STATUS_BY_CODE[exception.code];
      return { status, body: { statusCode: status, code: exception.code, message: exception.message, requestId, ...exception.extra } };
    }
    const parserStatus = bodyParserStatus(exception);
    if (parserStatus) {
      const code = parserStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      const message = parserStatus === 413 ? 'The request body is too large.' : 'The request body is not valid JSON or text.';
      return {
        status: parserStatus,
        body: { statusCode: parserStatus, code, message, requestId, ...(code === 'VALIDATION_FAILED' ? { details: [{ field: 'body', message }] } : {}) },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_HTTP_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
      const message = status === 404 ? 'No such route.' : exception.message;
      return { status, body: { statusCode: status, code, message, requestId } };
    }
    return { status: 500, body: { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error.', requestId } };
  }
}

/** body-parser errors (malformed JSON, too large, bad charset) carry `type` and `status`. */
function bodyParserStatus(exception: unknown): number | null {
  const error = exception as { type?: unknown; status?: unknown };
  if (typeof error?.type !== 'string' || typeof error.status !== 'number') return null;
  if (error.type === 'entity.too.large') return 413;
  return error.status >= 400 && error.status < 500 ? 400 : null;
}
