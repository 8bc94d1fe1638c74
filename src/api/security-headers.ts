import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Response headers that keep secrets out of caches and logs, and the browser security
 * headers (docs/api.md, "Response headers"):
 *
 * - No ETag anywhere the app answers: Express's default is a hash of the body, which holds
 *   the plaintext value, so any proxy or log that keeps headers would keep a fingerprint of
 *   the secret. Turned off at the source, not stripped afterwards.
 * - `Cache-Control: no-store` on every answer but Swagger UI's static page and assets, and
 *   conditional request headers dropped there, so that `If-None-Match: *` can never turn a
 *   read into a 304 (Express treats `*` as a match even without an ETag).
 * - helmet: nosniff, no referrer, framing refused, and a content security policy: nothing
 *   at all for the API's JSON and text, and for Swagger UI exactly what its page uses, from
 *   this replica only. Strict-Transport-Security on connections that came in over TLS.
 */
export function applySecurityHeaders(app: NestExpressApplication): void {
  app.set('etag', false);
  const forDocs = helmet({ ...COMMON, contentSecurityPolicy: { useDefaults: false, directives: SWAGGER_UI_CSP } });
  const forApi = helmet({ ...COMMON, contentSecurityPolicy: { useDefaults: false, directives: API_CSP } });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const docs = isSwaggerUi(request.path);
    if (!docs) {
      response.setHeader('Cache-Control', 'no-store');
      for (const header of CONDITIONAL_HEADERS) delete request.headers[header];
    }
    const headers: RequestHandler = docs ? forDocs : forApi;
    headers(request, response, (error?: unknown) => {
      if (error || !request.secure) return next(error);
      hsts(request, response, next);
    });
  });
}

const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range'];

/** Swagger UI's page and the static assets it loads (mountSwagger serves them under /docs/). */
function isSwaggerUi(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs/');
}

const COMMON = {
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
} as const;

const SELF = "'self'";
const NONE = "'none'";

const API_CSP = { 'default-src': [NONE], 'frame-ancestors': [NONE], 'base-uri': [NONE], 'form-action': [NONE] };

const SWAGGER_UI_CSP = {
  'default-src': [NONE],
  // swagger-ui-bundle.js, swagger-ui-standalone-preset.js, swagger-ui-init.js (no inline script).
  'script-src': [SELF],
  // swagger-ui.css, plus the page's own <style> blocks and style attributes (styles run no code).
  'style-src': [SELF, "'unsafe-inline'"],
  // The favicons, and the icons swagger-ui.css embeds as data: URIs.
  'img-src': [SELF, 'data:'],
  // "Try it out" calls this replica's API.
  'connect-src': [SELF],
  'base-uri': [SELF],
  'form-action': [SELF],
  'frame-ancestors': [NONE],
  'object-src': [NONE],
};
