import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OpenAPIObject } from '@nestjs/swagger';
import { stringify } from 'yaml';
import { buildOpenApiDocument } from '../api/openapi';
import { AppModule } from '../app.module';

/**
 * The app in preview mode (modules and routes, no providers): enough for the OpenAPI
 * document, with no database or peers. The variables only satisfy the config schema.
 */
const PLACEHOLDER_ENV = {
  VAULT_NODE_ID: 'docs',
  VAULT_PEERS: 'docs=http://localhost:8200,other=http://localhost:8201',
  DATABASE_URL: 'postgres://docs@localhost/docs',
  VAULT_PEER_SECRET: 'p'.repeat(32),
  VAULT_API_TOKEN: 't'.repeat(32),
};

/** The document every replica serves at /docs-json, built without starting anything. */
export async function buildOfflineOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot(PLACEHOLDER_ENV), { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** openapi.yaml's exact text. */
export function renderOpenApiYaml(document: OpenAPIObject): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
