import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CODES } from '../../src/api/dto/error.dto';
import { STATUS_BY_CODE } from '../../src/common/error-status';
import type { ErrorCode } from '../../src/common/errors';
import { buildOfflineOpenApiDocument, renderOpenApiYaml } from '../../src/scripts/openapi-document';
import { firstDifference } from './diff';
import { PUBLIC_PATHS } from '../support/public-paths';

// The published contract, checked without a database, peers or a build: the document the
// controllers and DTOs describe must be openapi.yaml byte for byte, and must say what the
// generated clients need (docs/api.md, "Clients").

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, Response>; requestBody?: { content: Record<string, unknown> } };
type Response = { headers?: Record<string, unknown>; content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: { code: ErrorCode; statusCode: number } }> }> };

describe('openapi.yaml', () => {
  let document: OpenAPIObject;
  let operations: Array<{ path: string; method: string; operation: Operation }>;

  beforeAll(async () => {
    document = await buildOfflineOpenApiDocument();
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((method) => ({ path, method, operation: (item as Record<string, Operation>)[method] })),
    );
  });

  it('is what the controllers and DTOs describe (else run `npm run openapi`, then `npm run sdk`)', async () => {
    const built = renderOpenApiYaml(document);
    const committed = await readFile(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8');
    if (built !== committed) {
      throw new Error(
        'openapi.yaml is out of date with the code: run `npm run openapi` and `npm run sdk`, review and commit the result.\n' +
          firstDifference(committed, built, 'openapi.yaml', 'built from the code'),
      );
    }
  });

  it('lists the public routes and no internal one', () => {
    expect(Object.keys(document.paths).sort()).toEqual(
      [...PUBLIC_PATHS].sort(),
    );
  });

  it('gives every operation a unique operationId, and every /v1 operation bearer auth', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations.filter((o) => o.path.startsWith('/v1'))) {
      expect({ path, security: operation.security }).toEqual({ path, security: [{ bearer: [] }] });
    }
  });

  it('types the error code as an enum of every code the server knows', () => {
    const schemas = document.components!.schemas as Record<string, { enum?: string[]; properties?: Record<string, unknown>; required?: string[] }>;
    expect([...schemas.ErrorCode.enum!].sort()).toEqual([...ERROR_CODES].sort());
    expect(schemas.Error.required).toEqual(['statusCode', 'code', 'message', 'requestId']);
  });

  it('documents every /v1 error answer with the Error schema and one example per code, each at its status', () => {
    for (const { path, method, operation } of operations.filter((o) => o.path.startsWith('/v1'))) {
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      // Every route behind a token can refuse it, lack a capability, limit its rate, or fail its audit record;
      // every route that takes input can refuse it.
      const takesInput = Boolean(operation.requestBody) || ((operation as unknown as { parameters?: unknown[] }).parameters ?? []).length > 0;
      expect({ where: `${method} ${path}`, statuses: errors.map(([status]) => status) }).toEqual({
        where: `${method} ${path}`,
        statuses: expect.arrayContaining(['401', '403', '429', '503', ...(takesInput ? ['400'] : [])]),
      });
      for (const [status, response] of errors) {
        const where = `${method.toUpperCase()} ${path} ${status}`;
        expect({ where, types: Object.keys(response.content ?? {}) }).toEqual({ where, types: ['application/json'] });
        const json = response.content!['application/json'];
        expect({ where, schema: json.schema }).toEqual({ where, schema: { $ref: '#/components/schemas/Error' } });
        const examples = Object.values(json.examples ?? {});
        expect(examples.length).toBeGreaterThan(0);
        for (const { value } of examples) {
          expect({ where, code: value.code, status: value.statusCode }).toEqual({ where, code: value.code, status: Number(status) });
          expect(STATUS_BY_CODE[value.code]).toBe(Number(status));
        }
      }
    }
  });

  it('says that every /v1 answer carries Cache-Control: no-store', () => {
    for (const { path, method, operation } of operations.filter((o) => o.path.startsWith('/v1'))) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ where: `${method} ${path} ${status}`, header: response.headers?.['Cache-Control'] }).toMatchObject({
          header: { schema: { type: 'string', enum: ['no-store'] } },
        });
      }
    }
  });

  it('describes both forms of POST /v1/env: .env text as text/plain, {"content"} as JSON', () => {
    const env = operations.find((o) => o.path === '/v1/env' && o.method === 'post')!.operation;
    expect(env.requestBody!.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/EnvFileRequest' } },
      'text/plain': expect.objectContaining({ schema: expect.objectContaining({ type: 'string' }) }),
    });
    expect(env.responses['200'].content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/EnvFileResult' } },
      'text/plain': { schema: expect.objectContaining({ type: 'string' }) },
    });
  });

  it('documents the Idempotency-Key header on every write', () => {
    for (const { path, method, operation } of operations.filter((o) => o.path.startsWith('/v1') && o.method !== 'get')) {
      const parameters = (operation as unknown as { parameters: Array<{ name: string; in: string }> }).parameters;
      expect({ where: `${method} ${path}`, has: parameters.some((p) => p.name === 'Idempotency-Key' && p.in === 'header') }).toEqual({
        where: `${method} ${path}`,
        has: true,
      });
    }
  });
});
