import { Controller, Get, Module, NotFoundException, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { applySecurityHeaders } from './security-headers';

@Controller()
class EchoController {
  @Get('v1/secrets/demo')
  read(): { value: string } {
    return { value: 'hunter2' };
  }

  @Get('v1/missing')
  missing(@Query('x') _x?: string): never {
    throw new NotFoundException();
  }

  @Get('docs')
  docs(): string {
    return '<html></html>';
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('applySecurityHeaders', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(EchoModule, { logger: false });
    applySecurityHeaders(app);
    // Lets a test say "this came in over TLS" with X-Forwarded-Proto (never set in the product).
    app.set('trust proxy', 'loopback');
    await app.init();
  });
  afterAll(() => app.close());

  it('answers with Cache-Control: no-store and no ETag, successes and errors alike', async () => {
    for (const [path, status] of [['/v1/secrets/demo', 200], ['/v1/missing', 404], ['/nowhere', 404]] as const) {
      const answer = await request(app.getHttpServer()).get(path);
      expect({ path, status: answer.status, cacheControl: answer.headers['cache-control'], etag: answer.headers.etag }).toEqual({
        path,
        status,
        cacheControl: 'no-store',
        etag: undefined,
      });
    }
  });

  it('ignores conditional requests: If-None-Match: * and a guessed ETag still get the body', async () => {
    for (const headers of [{ 'if-none-match': '*' }, { 'if-none-match': 'W/"13-whatever"' }, { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() }]) {
      const answer = await request(app.getHttpServer()).get('/v1/secrets/demo').set(headers);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ value: 'hunter2' });
    }
  });

  it('sets the browser security headers, with a policy that allows nothing for the API', async () => {
    const answer = await request(app.getHttpServer()).get('/v1/secrets/demo');
    expect(answer.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
    });
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });

  it('gives Swagger UI a policy for its own assets only, and lets its static files be cached', async () => {
    const answer = await request(app.getHttpServer()).get('/docs');
    const policy = answer.headers['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/https?:|\*/);
    expect(answer.headers['cache-control']).toBeUndefined();
  });

  it('sends Strict-Transport-Security over TLS only', async () => {
    const plain = await request(app.getHttpServer()).get('/v1/secrets/demo');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const tls = await request(app.getHttpServer()).get('/v1/secrets/demo').set('x-forwarded-proto', 'https');
    expect(tls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});
