import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { firstDifference } from './diff';

// The committed SDK code must be exactly what the pinned generators make of openapi.yaml
// (scripts/sdk/generate.sh, run here into a scratch folder), so that a reviewer sees in the
// diff what a contract change does to each client.

const REPO = join(__dirname, '..', '..');
const GENERATED = ['typescript/src/schema.ts', 'python/vault_client', 'go/vault.gen.go'];
const TOOLS = ['node_modules/.bin/openapi-typescript', '.tools/venv/bin/openapi-python-client', '.tools/bin/oapi-codegen'];

async function files(root: string, under: string): Promise<string[]> {
  const path = join(root, under);
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => null);
  if (entries === null) return [under];
  return entries
    .filter((e) => e.isFile() && !e.parentPath.includes('__pycache__'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('generated SDKs', () => {
  let scratch: string;

  beforeAll(async () => {
    const missing = TOOLS.filter((tool) => !existsSync(join(REPO, tool)));
    if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/install-tools.sh\` (and \`npm ci\`)`);
    await mkdir(join(REPO, '.tmp'), { recursive: true });
    scratch = await mkdtemp(join(REPO, '.tmp', 'sdk-drift-'));
    await promisify(execFile)('bash', ['scripts/sdk/generate.sh', scratch], { cwd: REPO });
  }, 120_000);
  afterAll(() => scratch && rm(scratch, { recursive: true, force: true }));

  it.each(GENERATED)('sdk/%s is what the pinned generator makes of openapi.yaml (else run `npm run sdk`)', async (under) => {
    const committed = await files(join(REPO, 'sdk'), under);
    const regenerated = await files(scratch, under);
    expect(regenerated.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const file of new Set([...committed, ...regenerated])) {
      if (!committed.includes(file)) problems.push(`sdk/${file} is generated but not committed`);
      else if (!regenerated.includes(file)) problems.push(`sdk/${file} is committed but no longer generated`);
      else {
        const [a, b] = await Promise.all([readFile(join(REPO, 'sdk', file), 'utf8'), readFile(join(scratch, file), 'utf8')]);
        if (a !== b) problems.push(`sdk/${file} differs: ${firstDifference(a, b, 'committed', 'regenerated')}`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`The SDK is out of date with openapi.yaml: run \`npm run sdk\`, review and commit the result.\n${problems.slice(0, 5).join('\n')}`);
    }
  });
});
