import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { accessLogMiddleware } from './common/access-log.middleware';
import { JsonLogger } from './common/json-logger';
import { assignRequestId } from './common/request-id.middleware';
import { stampGatewayTime } from './api/params';
import { authenticationMiddleware } from './api/access';
import { AUDITED_PATHS, auditTrailMiddleware } from './api/audit-trail';
import { RateLimiter } from './api/rate-limiter';
import { Metrics } from './metrics/metrics';
import { AuditLog } from './vault/audit/audit-log';
import { TokenAuthenticator } from './vault/tokens/token-authenticator';
import { mountSwagger } from './api/openapi';
import { applySecurityHeaders } from './api/security-headers';

/** Client bodies: a 64 KiB value is at most ~400 KB as escaped JSON; .env files may hold many. */
export const PUBLIC_BODY_LIMIT = '8mb';

/**
 * Everything around the controllers, in order: the cache and security headers (so every
 * answer has them, refusals included), request metrics, the gateway timestamp and request
 * id (so even a refused body gets an id), the audit trail (which holds every /v1 and
 * /status answer until its record is written, refusals included), then the token and its
 * rate limit (checked before a body is parsed), then body parsers, the access log of
 * other paths, and Swagger. The capability a route needs is checked by the AccessGuard
 * (api/access.ts). The internal peer API never reaches Express: main.ts hands it to the
 * InternalServer.
 */
export function configureApp(app: NestExpressApplication): void {
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  applySecurityHeaders(app);
  app.set('query parser', 'simple');
  app.use(app.get(Metrics).middleware());
  app.use(stampGatewayTime);
  app.use(assignRequestId);
  app.use(AUDITED_PATHS, auditTrailMiddleware(app.get(AuditLog), logger));
  app.use('/v1', authenticationMiddleware(app.get(TokenAuthenticator), app.get(RateLimiter)));
  // Only /v1 takes a body; nothing else ever has one parsed.
  app.use('/v1', express.json({ limit: PUBLIC_BODY_LIMIT, inflate: false }));
  app.use('/v1/env', express.text({ type: 'text/plain', limit: PUBLIC_BODY_LIMIT, inflate: false }));
  // Audited requests have their log line from the audit trail, with the same fields as their record.
  app.use(accessLogMiddleware(logger, (path) => AUDITED_PATHS.some((p) => path === p || path.startsWith(`${p}/`))));
  mountSwagger(app as INestApplication);
}
