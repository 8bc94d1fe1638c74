import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestCluster } from '../support/cluster';

// The two scripts that run inside the container, against real replicas: the Helm chart's
// `helm test` (helm/vault/files/smoke-test.js, run as `node -e` by the test hook pod) and
// the image's HEALTHCHECK (docker/healthcheck.js).
const REPO = join(__dirname, '..', '..');

function runNode(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('container scripts against 3 real replicas', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2 });
  });
  afterAll(() => cluster?.shutdown());

  const smokeTest = async (env: Record<string, string>) => {
    const script = await readFile(join(REPO, 'helm', 'vault', 'files', 'smoke-test.js'), 'utf8');
    return runNode(['-e', script], env);
  };

  it('helm test: creates, reads and deletes a secret through any replica', async () => {
    const result = await smokeTest({ VAULT_URL: cluster.url(1), VAULT_API_TOKEN: cluster.token });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^create: 201\nread: 200\ndelete: 200\nread after delete: 404\nok: helm_test_[0-9a-f]{12} created, read back and deleted/);
    expect(result.code).toBe(0);
  });

  it('helm test: fails, saying why, when the token is wrong', async () => {
    const result = await smokeTest({ VAULT_URL: cluster.url(0), VAULT_API_TOKEN: 'wrong-token-wrong-token', VAULT_TEST_ATTEMPTS: '1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('helm test failed: create: expected 201, got 401');
  });

  it('the image healthcheck passes against a replica, and fails once it is stopped', async () => {
    const port = new URL(cluster.url(2)).port;
    expect((await runNode([join(REPO, 'docker', 'healthcheck.js')], { VAULT_PORT: port })).code).toBe(0);
    await cluster.stop(2);
    expect((await runNode([join(REPO, 'docker', 'healthcheck.js')], { VAULT_PORT: port })).code).toBe(1);
  });
});
