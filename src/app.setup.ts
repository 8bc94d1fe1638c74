import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { accessLogMiddleware } from './common/access-log.middleware';
import { JsonLogger } from './common/json-logger';
import { assignRequestId, bindRequestContext } from './common/request-id.middleware';
import { stampGatewayTime } from './api/params';
import { mountSwagger } from './api/openapi';
import { applySecurityHeaders } from './api/security-headers';

/** Client bodies: a 64 KiB value is at most ~400 KB as escaped JSON; .env files may hold many. */
export const PUBLIC_BODY_LIMIT = '8mb';
/** Peer bodies: a `.env` transaction carries one share per enc(...) secret. */
export const INTERNAL_BODY_LIMIT = '256mb';

/**
 * Everything around the controllers, in order: the cache and security headers (so every
 * answer has them, refusals included), the gateway timestamp and request id
 * (so even a refused body gets an id), then body parsers (the peer API keeps the raw bytes
 * for its signature check), then the request context, the access log and Swagger.
 */
export function configureApp(app: NestExpressApplication): void {
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  applySecurityHeaders(app);
  app.set('query parser', 'simple');
  app.use(stampGatewayTime);
  app.use(assignRequestId);
  app.use(
    '/internal',
    express.json({
      limit: INTERNAL_BODY_LIMIT,
      verify: (request, _response, buffer) => {
        (request as unknown as { rawBody: Buffer }).rawBody = buffer;
      },
    }),
  );
  app.use(express.json({ limit: PUBLIC_BODY_LIMIT }));
  app.use('/v1/env', express.text({ type: 'text/plain', limit: PUBLIC_BODY_LIMIT }));
  app.use(bindRequestContext);
  app.use(accessLogMiddleware(logger));
  app.enableShutdownHooks();
  // Peers keep connections alive (~4 s idle on the client side); the server must not close
  // an idle connection first, or a peer's next call could meet a reset socket.
  const server = app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  mountSwagger(app as INestApplication);
}
