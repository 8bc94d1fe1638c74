import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOfflineOpenApiDocument, renderOpenApiYaml } from './openapi-document';

/** `npm run openapi`: writes openapi.yaml from the controllers and DTOs (no database or peers needed). */
async function main(): Promise<void> {
  const target = join(__dirname, '..', '..', 'openapi.yaml');
  await writeFile(target, renderOpenApiYaml(await buildOfflineOpenApiDocument()));
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
