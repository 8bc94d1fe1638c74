import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, RequestBodyObject } from '@nestjs/swagger';
import { REQUEST_CONTENT_EXTENSION } from './openapi-decorators';

/** The published API contract; `npm run openapi` writes it to openapi.yaml, `npm run sdk` the clients. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Vault')
    .setDescription(
      'A distributed secrets vault. Values are split with Shamir\'s secret sharing across the replicas; ' +
        'any replica accepts any request. Error bodies carry a stable `code` that clients branch on. ' +
        'Every /v1 answer carries `Cache-Control: no-store` and no ETag. ' +
        'See docs/api.md for durability, replication and failure semantics, and for generated clients.',
    )
    .setVersion('1')
    .addBearerAuth(
      // An opaque token, not a JWT (the builder's default format).
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: undefined,
        description:
          'A token made by POST /v1/tokens (vt_<id>_<secret>), whose policy says what it may do, or the bootstrap admin token (VAULT_API_TOKEN; `npm start` prints it). See docs/security.md.',
      },
      'bearer',
    )
    .addTag('secrets', 'Create, update, read, list the versions of, and delete secrets.')
    .addTag('env', 'Resolve a .env file against the vault.')
    .addTag('tokens', 'Create, list, inspect and revoke tokens with policies (admin).')
    .addTag('audit', 'Page through a replica\'s audit trail (admin).')
    .addTag('health', 'Liveness, readiness and the cluster\'s shape.')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
  applyRequestContent(document);
  return document;
}

/**
 * @nestjs/swagger gives every media type of a request body the same schema; a route marked
 * with ApiRequestContent (POST /v1/env: .env text as text/plain, or {"content"} as JSON)
 * gets exactly the media types it declared.
 */
function applyRequestContent(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<OperationObject & Record<string, unknown>>) {
      const content = operation?.[REQUEST_CONTENT_EXTENSION] as RequestBodyObject['content'] | undefined;
      if (!content) continue;
      operation.requestBody = { required: true, content };
      delete operation[REQUEST_CONTENT_EXTENSION];
    }
  }
}

export function mountSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    // The page loads nothing from other origins (see security-headers.ts): no online validator badge.
    swaggerOptions: { validatorUrl: null },
  });
}
