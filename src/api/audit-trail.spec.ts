import express from 'express';
import request from 'supertest';
import { JsonLogger } from '../common/json-logger';
import { AuditEntry, AuditLog } from '../vault/audit/audit-log';
import { auditTrailMiddleware } from './audit-trail';

/** An audit log whose INSERTs succeed or fail on demand, and that keeps what it was given. */
function fakeAudit(fail: () => boolean) {
  const entries: AuditEntry[] = [];
  const log = {
    record: async (entry: AuditEntry) => {
      await new Promise((r) => setTimeout(r, 20));
      if (fail()) throw new Error('permission denied for table audit_log');
      entries.push(entry);
    },
  } as unknown as AuditLog;
  return { log, entries };
}

function appWith(audit: AuditLog, lines: string[]) {
  const app = express();
  app.use((req, _res, next) => {
    req.headers['x-request-id'] = 'req-1';
    next();
  });
  app.use('/v1', auditTrailMiddleware(audit, new JsonLogger('n1', 'debug', (line) => lines.push(line))));
  app.post('/v1/secrets', (_req, res) => {
    res.setHeader('Location', '/v1/secrets/X');
    res.status(201).json({ name: 'X', version: 1, validFrom: 'now' });
  });
  app.get('/v1/secrets/:name', (_req, res) => {
    res.json({ name: 'X', version: 1, value: 'the-plaintext' });
  });
  app.get('/v1/refused', (_req, res) => {
    res.locals.errorCode = 'AUDIT_UNAVAILABLE';
    res.status(503).json({ code: 'AUDIT_UNAVAILABLE', stage: 'request' });
  });
  return app;
}

describe('the audit trail middleware', () => {
  it('answers only once the response record is written, with the status and the route', async () => {
    const lines: string[] = [];
    const { log, entries } = fakeAudit(() => false);
    const started = Date.now();
    const answer = await request(appWith(log, lines)).post('/v1/secrets').send({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(answer.status).toBe(201);
    expect(entries).toEqual([expect.objectContaining({ stage: 'response', requestId: 'req-1', operation: 'POST /v1/secrets', status: 201, code: null })]);
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ msg: 'request', requestId: 'req-1', status: 201, path: '/v1/secrets' })]);
  });

  it('replaces an answer whose record cannot be written by 503 AUDIT_UNAVAILABLE, dropping its body and headers', async () => {
    const lines: string[] = [];
    const { log } = fakeAudit(() => true);
    const read = await request(appWith(log, lines)).get('/v1/secrets/X');
    expect(read.status).toBe(503);
    expect(read.body).toMatchObject({ statusCode: 503, code: 'AUDIT_UNAVAILABLE', stage: 'response', requestId: 'req-1' });
    expect(read.text).not.toContain('the-plaintext');
    const created = await request(appWith(log, lines)).post('/v1/secrets').send({});
    expect(created.status).toBe(503);
    expect(created.headers.location).toBeUndefined();
    expect(JSON.parse(lines[0])).toMatchObject({ audit: 'failed', withheldStatus: 200, status: 503, code: 'AUDIT_UNAVAILABLE' });
    expect(lines.join('\n')).not.toContain('the-plaintext');
  });

  it('passes a refusal that is already AUDIT_UNAVAILABLE through as it is', async () => {
    const { log } = fakeAudit(() => true);
    const answer = await request(appWith(log, [])).get('/v1/refused');
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ code: 'AUDIT_UNAVAILABLE', stage: 'request' });
  });
});
