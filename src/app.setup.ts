import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { accessLogMiddleware } from './common/access-log.middleware';
import { JsonLogger } from './common/json-logger';
import { assignRequestId, bindRequestContext } from './common/request-id.middleware';
import { stampGatewayTime } from './api/params';
import { bearerTokenMiddleware } from './api/bearer-token.guard';
import { VaultConfig } from './config';
import { mountSwagger } from './api/openapi';
import { applySecurityHeaders } from './api/security-headers';

/** Client bodies: a 64 KiB value is at most ~400 KB as escaped JSON; .env files may hold many. */
export const PUBLIC_BODY_LIMIT = '8mb';

/**
 * Everything around the controllers, in order: the cache and security headers (so every
 * answer has them, refusals included), the gateway timestamp and request id (so even a
 * refused body gets an id), then the bearer token for /v1 (checked before a body is
 * parsed), then body parsers, the request context, the access log and Swagger. The
 * internal peer API never reaches Express: main.ts hands it to the InternalServer.
 */
export function configureApp(app: NestExpressApplication): void {
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  applySecurityHeaders(app);
  app.set('query parser', 'simple');
  app.use(stampGatewayTime);
  app.use(assignRequestId);
  app.use('/v1', bearerTokenMiddleware(app.get(VaultConfig).apiToken));
  // Only /v1 takes a body; nothing else ever has one parsed.
  app.use('/v1', express.json({ limit: PUBLIC_BODY_LIMIT, inflate: false }));
  app.use('/v1/env', express.text({ type: 'text/plain', limit: PUBLIC_BODY_LIMIT, inflate: false }));
  app.use(bindRequestContext);
  app.use(accessLogMiddleware(logger));
  mountSwagger(app as INestApplication);
}
