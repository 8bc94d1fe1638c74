import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '../support/cluster';
import { expectPassed, runTool, ToolRun } from '../support/run-tool';

// Each generated SDK, driven by its own language's test runner (node:test, pytest, go test)
// against one real 5-replica cluster. The suites live beside each SDK (sdk/*/test*) and get
// the cluster through VAULT_URLS (every replica, comma-separated) and VAULT_TOKEN.

const REPO = join(__dirname, '..', '..');
const PYTHON = join(REPO, '.tools', 'venv', 'bin', 'python');
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');

function requireTools(): void {
  const problems: string[] = [];
  if (!existsSync(PYTHON)) problems.push('.tools/venv (Python, pytest)');
  else {
    try {
      execFileSync(PYTHON, ['-c', 'import pytest, httpx, attrs, dateutil'], { stdio: 'ignore' });
    } catch {
      problems.push('pytest and the Python SDK\'s dependencies in .tools/venv');
    }
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    problems.push('go');
  }
  if (problems.length > 0) throw new Error(`missing ${problems.join(', ')}: run \`bash scripts/install-tools.sh\``);
}

describe('generated SDKs against a real 5-replica cluster', () => {
  let cluster: TestCluster;
  const runs: Record<string, Promise<ToolRun>> = {};

  beforeAll(async () => {
    requireTools();
    // Compiling the TypeScript SDK and its tests needs no cluster: start it meanwhile.
    const compiled = runTool(TSC, ['-p', 'sdk/typescript/tsconfig.json'], { cwd: REPO });
    cluster = await TestCluster.start({ n: 5, k: 3, m: 3 });
    const env = { VAULT_URLS: [0, 1, 2, 3, 4].map((i) => cluster.url(i)).join(','), VAULT_TOKEN: cluster.token };
    // The three suites run side by side (each uses its own secret names).
    runs.typescript = compiled.then((build) =>
      build.code !== 0
        ? { ...build, output: `tsc -p sdk/typescript/tsconfig.json:\n${build.output}` }
        : runTool(process.execPath, ['--test', '--test-reporter=spec', 'sdk/typescript/dist/test/'], { cwd: REPO, env }),
    );
    runs.python = runTool(PYTHON, ['-m', 'pytest', '-q', '--tb=short', '-p', 'no:cacheprovider', 'tests'], { cwd: join(REPO, 'sdk', 'python'), env });
    runs.go = runTool('go', ['test', '-count=1', '-v', './...'], { cwd: join(REPO, 'sdk', 'go'), env });
    await Promise.allSettled(Object.values(runs));
    // VAULT_SDK_VERBOSE=1 shows each runner's own report even when it passes.
    if (process.env.VAULT_SDK_VERBOSE) {
      for (const [name, run] of Object.entries(runs)) process.stdout.write(`--- ${name} (${(await run).ms} ms)\n${(await run).output}\n`);
    }
  }, 300_000);

  afterAll(() => cluster?.shutdown());

  it('TypeScript (openapi-typescript + openapi-fetch), node:test', async () => {
    const run = await runs.typescript;
    expectPassed('node --test sdk/typescript', run);
    expect(run.output).toMatch(/\bpass 5\b/);
  });

  it('Python (openapi-python-client, sync and async), pytest', async () => {
    const run = await runs.python;
    expectPassed('pytest sdk/python', run);
    expect(run.output).toMatch(/\b6 passed\b/);
  });

  it('Go (oapi-codegen), go test', async () => {
    const run = await runs.go;
    expectPassed('go test sdk/go', run);
    expect(run.output.match(/^--- PASS: /gm)).toHaveLength(5);
  });
});
