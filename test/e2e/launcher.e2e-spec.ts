import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sharedBuffersMiB } from '../../src/cluster/embedded-postgres';
import { eventually } from '../support/cluster';
import { request } from '../support/http';
import { freePort } from '../support/ports';

const LAUNCHER = join(__dirname, '..', '..', 'dist', 'cluster', 'main.js');

/** `npm start`: the local 5-replica cluster on an embedded Postgres, and its clean stop. */
describe('the local cluster launcher (npm start)', () => {
  let stateDir: string;
  let launcher: ChildProcess | null = null;
  let output = '';

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'vault-launcher-'));
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  });

  const processesUsing = (path: string) =>
    execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(path));

  it('prints 5 replica URLs and a token, serves /status with 5 reachable peers, and stops everything on Ctrl-C', async () => {
    const started = Date.now();
    launcher = spawn(process.execPath, [LAUNCHER], {
      env: { PATH: process.env.PATH ?? '', VAULT_STATE_DIR: stateDir, VAULT_PG_PORT: String(await freePort()), VAULT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => output.includes('Press Ctrl-C to stop.'), 60_000, 200);
    expect(Date.now() - started).toBeLessThan(60_000);

    for (let i = 1; i <= 5; i++) expect(output).toContain(`vault-${i}  http://localhost:820${i}`);
    expect(output).toContain('Swagger UI:  http://localhost:8201/docs');
    const token = /API token: +(\S+)/.exec(output)?.[1];
    expect(token).toBeDefined();

    const status = await request('http://localhost:8201/status', { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(status.body.peers).toHaveLength(5);
    expect(status.body.peers.every((p: { reachable: boolean }) => p.reachable)).toBe(true);
    expect(((await stat(join(stateDir, 'credentials.json'))).mode & 0o777).toString(8)).toBe('600');
    expect(processesUsing(stateDir).some((line) => line.includes('postgres'))).toBe(true);
    // Its cache is sized for the five schemas it holds, not left at Postgres's 128 MB.
    expect(processesUsing(stateDir).some((line) => line.includes(`shared_buffers=${sharedBuffersMiB(totalmem())}MB`))).toBe(true);

    launcher.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => launcher!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(processesUsing(stateDir)).toEqual([]);
    for (let i = 1; i <= 5; i++) {
      await expect(fetch(`http://localhost:820${i}/health`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    }
  });
});
