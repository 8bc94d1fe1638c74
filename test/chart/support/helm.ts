import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const REPO = join(__dirname, '..', '..', '..');
export const CHART = join(REPO, 'helm', 'vault');
export const CI_VALUES = join(CHART, 'ci');
const HELM = join(REPO, '.tools', 'bin', 'helm');
const KUBERNETES_VALIDATE = join(REPO, '.tools', 'venv', 'bin', 'kubernetes-validate');
const INSTALL_HINT = 'run `bash scripts/install-tools.sh` (it builds helm and installs kubernetes-validate into .tools/)';

/** The Kubernetes versions every rendering is validated against: the newest the validator knows, and the chart's oldest (Chart.yaml kubeVersion). */
export const KUBERNETES_VERSIONS = ['1.37.0', '1.28.0'];

/** A rendered Kubernetes object, loosely typed: tests reach into it by path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function requireTool(path: string, name: string): string {
  if (!existsSync(path)) throw new Error(`${name} is missing at ${path}: ${INSTALL_HINT}`);
  return path;
}

async function exec(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: REPO,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Runs the pinned helm from .tools/bin with a home of its own (no user config, no repositories). */
export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const home = join(REPO, '.tmp', 'helm-home');
  return exec(requireTool(HELM, 'helm'), args, {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: join(home, 'no-cluster.kubeconfig'),
    ...env,
  });
}

export interface RenderOptions {
  /** Values files, by name under helm/vault/ci/ or as absolute paths. */
  valuesFiles?: string[];
  /** --set-json pairs (key=json). */
  setJson?: string[];
  release?: string;
  namespace?: string;
  /** Extra helm arguments (e.g. --dry-run=server, --is-upgrade). */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export function valuesArgs(options: RenderOptions): string[] {
  const args: string[] = [];
  for (const file of options.valuesFiles ?? []) args.push('-f', file.startsWith('/') ? file : join(CI_VALUES, file));
  for (const pair of options.setJson ?? []) args.push('--set-json', pair);
  return args;
}

/** `helm template` of the chart; throws with helm's message when it refuses. */
export async function templateText(options: RenderOptions = {}): Promise<string> {
  const result = await helm(
    [
      'template',
      options.release ?? 'vault',
      CHART,
      '--namespace',
      options.namespace ?? 'vault-ns',
      ...valuesArgs(options),
      ...(options.extraArgs ?? []),
    ],
    options.env,
  );
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** A Secret's data value as text. */
export function b64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

/** True when a selector's matchLabels all appear in the labels. */
export function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([key, value]) => labels?.[key] === value);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0].message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null && typeof object === 'object');
}

const renderings = new Map<string, Promise<Rendering>>();

/** The chart rendered and parsed, one object per YAML document (test hooks included). */
export class Rendering {
  constructor(
    readonly text: string,
    readonly objects: K8sObject[],
  ) {}

  /**
   * Renders once per set of options within a test file (a render takes most of a second);
   * renders against an API server (options.env) always run again, since what they see changes.
   */
  static of(options: RenderOptions = {}): Promise<Rendering> {
    const render = async () => {
      const text = await templateText(options);
      return new Rendering(text, parseManifests(text));
    };
    if (options.env) return render();
    const key = JSON.stringify(options);
    if (!renderings.has(key)) renderings.set(key, render());
    return renderings.get(key)!;
  }

  all(kind: string): K8sObject[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  one(kind: string, name: string): K8sObject {
    const found = this.objects.filter((object) => object.kind === kind && object.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    return found[0];
  }

  /** The replicas' StatefulSet (component=replica). */
  get replicas(): K8sObject {
    const found = this.all('StatefulSet').filter((s) => s.metadata.labels?.['app.kubernetes.io/component'] === 'replica');
    if (found.length !== 1) throw new Error(`expected one replica StatefulSet, found ${found.length}`);
    return found[0];
  }

  /** The replica container's env as a name -> value/valueFrom map. */
  get replicaEnv(): Map<string, K8sObject> {
    const container = this.replicas.spec.template.spec.containers.find((c: K8sObject) => c.name === 'vault');
    return new Map(container.env.map((entry: K8sObject) => [entry.name, entry]));
  }

  envValue(name: string): string | undefined {
    return this.replicaEnv.get(name)?.value;
  }
}

export interface ValidationReport {
  code: number;
  output: string;
  /** Objects the validator passed, as "kind/name". */
  passed: string[];
  /** Objects it had no schema for (custom resources), as "kind apiVersion". */
  noSchema: string[];
}

/**
 * Validates rendered manifests against the Kubernetes OpenAPI schemas of one version, in
 * strict mode (an unknown field is an error), with kubernetes-validate from .tools/venv.
 */
export async function kubernetesValidate(file: string, version: string): Promise<ValidationReport> {
  const result = await exec(requireTool(KUBERNETES_VALIDATE, 'kubernetes-validate'), ['--strict', '-k', version, file]);
  const output = `${result.stdout}${result.stderr}`;
  const passed = [...output.matchAll(/passed for resource (\S+) against/g)].map((m) => m[1]);
  const noSchema = [...output.matchAll(/Couldn't find schema for kind (\S+) with api version (\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
  return { code: result.code, output, passed, noSchema };
}
