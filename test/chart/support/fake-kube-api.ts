import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { K8sObject } from './helm';
import { REPO } from './helm';

interface ResourceType {
  groupVersion: string;
  /** URL prefix of the group version: /api/v1 or /apis/<group>/<version>. */
  prefix: string;
  plural: string;
  kind: string;
}

/** The kinds the chart renders; objects can be stored for Secret and StatefulSet (what it looks up). */
const TYPES: ResourceType[] = [
  { groupVersion: 'v1', prefix: '/api/v1', plural: 'secrets', kind: 'Secret' },
  { groupVersion: 'v1', prefix: '/api/v1', plural: 'services', kind: 'Service' },
  { groupVersion: 'v1', prefix: '/api/v1', plural: 'serviceaccounts', kind: 'ServiceAccount' },
  { groupVersion: 'v1', prefix: '/api/v1', plural: 'pods', kind: 'Pod' },
  { groupVersion: 'apps/v1', prefix: '/apis/apps/v1', plural: 'statefulsets', kind: 'StatefulSet' },
  { groupVersion: 'policy/v1', prefix: '/apis/policy/v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' },
  { groupVersion: 'networking.k8s.io/v1', prefix: '/apis/networking.k8s.io/v1', plural: 'networkpolicies', kind: 'NetworkPolicy' },
  { groupVersion: 'networking.k8s.io/v1', prefix: '/apis/networking.k8s.io/v1', plural: 'ingresses', kind: 'Ingress' },
  { groupVersion: 'cert-manager.io/v1', prefix: '/apis/cert-manager.io/v1', plural: 'certificates', kind: 'Certificate' },
  { groupVersion: 'monitoring.coreos.com/v1', prefix: '/apis/monitoring.coreos.com/v1', plural: 'servicemonitors', kind: 'ServiceMonitor' },
  { groupVersion: 'monitoring.coreos.com/v1', prefix: '/apis/monitoring.coreos.com/v1', plural: 'prometheusrules', kind: 'PrometheusRule' },
];
const GROUP_VERSIONS = [...new Set(TYPES.map((t) => t.groupVersion).filter((gv) => gv.includes('/')))];

/**
 * Just enough of a Kubernetes API server for Helm's `lookup` (discovery of a group version,
 * then GET of one namespaced object), so that `helm template --dry-run=server` renders an
 * upgrade against objects a test puts here: the Secrets a previous render produced, or a
 * running StatefulSet. Its discovery also lets `helm install --dry-run=client` map every
 * kind the chart renders (that prints the release notes). Serves plain HTTP on loopback;
 * records every request path.
 */
export class FakeKubeApi {
  readonly requests: string[] = [];
  private readonly objects = new Map<string, K8sObject>();
  private server: Server | null = null;
  private kubeconfigPath = '';

  get kubeconfig(): string {
    return this.kubeconfigPath;
  }

  async start(namespace: string): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const dir = join(REPO, '.tmp', 'fake-kube-api');
    mkdirSync(dir, { recursive: true });
    this.kubeconfigPath = join(dir, `kubeconfig-${port}`);
    writeFileSync(
      this.kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'fake', user: { token: 'fake' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace } }],
        'current-context': 'fake',
      }),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Stores an object as the cluster would return it (Secret data stays base64). */
  put(object: K8sObject, namespace: string): void {
    const type = TYPES.find((t) => t.kind === object.kind && t.groupVersion === object.apiVersion);
    if (!type || !['Secret', 'StatefulSet'].includes(type.kind)) throw new Error(`the fake API does not serve ${object.apiVersion} ${object.kind}`);
    const stored = { ...object, metadata: { ...object.metadata, namespace } };
    this.objects.set(`${type.prefix}/namespaces/${namespace}/${type.plural}/${object.metadata.name}`, stored);
  }

  clear(): void {
    this.objects.clear();
    this.requests.length = 0;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    this.requests.push(`${request.method} ${path}`);
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'read-only fake'));
    if (path === '/version') return send(200, { major: '1', minor: '37', gitVersion: 'v1.37.0' });
    if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      return send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: GROUP_VERSIONS.map((groupVersion) => {
          const [name, version] = groupVersion.split('/');
          return { name, versions: [{ groupVersion, version }], preferredVersion: { groupVersion, version } };
        }),
      });
    }
    const discovery = TYPES.filter((t) => t.prefix === path);
    if (discovery.length > 0) {
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: discovery[0].groupVersion,
        resources: discovery.map((t) => ({
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: true,
          kind: t.kind,
          verbs: ['get', 'list'],
        })),
      });
    }
    const object = this.objects.get(path);
    if (object) return send(200, object);
    return send(404, status(404, 'NotFound', `${path} not found`));
  }
}

function status(code: number, reason: string, message: string): K8sObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
