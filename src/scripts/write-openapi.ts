import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { stringify } from 'yaml';
import { buildOpenApiDocument } from '../api/openapi';
import { AppModule } from '../app.module';

/**
 * `npm run openapi`: writes openapi.yaml from the controllers and DTOs. The app is built
 * in preview mode (modules and routes, no providers), so no database or peers are needed;
 * the variables below only satisfy the config schema.
 */
const PLACEHOLDER_ENV = {
  VAULT_NODE_ID: 'docs',
  VAULT_PEERS: 'docs=http://localhost:8200,other=http://localhost:8201',
  DATABASE_URL: 'postgres://docs@localhost/docs',
  VAULT_PEER_SECRET: 'p'.repeat(32),
  VAULT_API_TOKEN: 't'.repeat(32),
};

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule.forRoot(PLACEHOLDER_ENV), { preview: true, logger: false });
  const document = buildOpenApiDocument(app);
  const target = join(__dirname, '..', '..', 'openapi.yaml');
  await writeFile(target, stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }));
  await app.close();
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
