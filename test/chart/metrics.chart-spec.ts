import { X509Certificate } from 'node:crypto';
import { b64, K8sObject, Rendering, selects, templateText } from './support/helm';

const NS = 'vault-ns';
const PROMETHEUS_OPERATOR = 'prometheus-operator-values.yaml';

function replicaContainer(r: Rendering): K8sObject {
  return r.replicas.spec.template.spec.containers.find((c: K8sObject) => c.name === 'vault');
}

/** The replicas' NetworkPolicy rules that name a port. */
function rulesFor(r: Rendering, port: number): K8sObject[] {
  return r.one('NetworkPolicy', 'vault').spec.ingress.filter((rule: K8sObject) => rule.ports.some((p: K8sObject) => p.port === port));
}

describe('the metrics listener (docs/operations.md)', () => {
  it.each([
    ['defaults', [], [], 9464],
    ['another port', [], ['metrics.port=9100'], 9100],
    [PROMETHEUS_OPERATOR, [PROMETHEUS_OPERATOR], [], 9102],
  ])('is on by default: VAULT_METRICS_PORT and a container port named metrics (%s)', async (_, valuesFiles, setJson, port) => {
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[], setJson: setJson as string[] });
    expect(r.envValue('VAULT_METRICS_PORT')).toBe(String(port));
    expect(replicaContainer(r).ports).toEqual([
      { name: 'client', containerPort: 8200 },
      { name: 'peer', containerPort: 8201 },
      { name: 'metrics', containerPort: port },
    ]);
  });

  it('is published on a headless Service of its own that lists every replica, ready or not', async () => {
    const r = await Rendering.of();
    const service = r.one('Service', 'vault-metrics');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.publishNotReadyAddresses).toBe(true);
    expect(selects(service.spec.selector, r.replicas.spec.template.metadata.labels)).toBe(true);
    // HTTPS when the replicas serve TLS: the listener shares their certificate.
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics', appProtocol: 'https' }]);
    expect(service.metadata.annotations).toBeUndefined();
    // The client Service keeps only the client port; the peers Service only peer and client.
    expect(r.one('Service', 'vault').spec.ports.map((p: K8sObject) => p.targetPort)).toEqual(['client']);
    expect(r.one('Service', 'vault-peers').spec.ports.map((p: K8sObject) => p.targetPort)).toEqual(['peer', 'client']);
    const tlsOff = await Rendering.of({ setJson: ['tls.enabled=false'] });
    expect(tlsOff.one('Service', 'vault-metrics').spec.ports[0].appProtocol).toBe('http');
  });

  it('carries the prometheus.io annotations when asked, and the Service annotations given', async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    expect(r.one('Service', 'vault-metrics').metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9102',
      'prometheus.io/scheme': 'https',
      'prometheus.io/path': '/metrics',
    });
    const own = await Rendering.of({ setJson: ['metrics.service.prometheusAnnotations=true', 'metrics.service.annotations={"prometheus.io/scrape":"false","team":"vault"}'] });
    expect(own.one('Service', 'vault-metrics').metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'false', team: 'vault', 'prometheus.io/port': '9464' });
  });

  it('is left out whole with metrics.enabled=false', async () => {
    const r = await Rendering.of({ setJson: ['metrics.enabled=false'] });
    expect(r.replicaEnv.has('VAULT_METRICS_PORT')).toBe(false);
    expect(replicaContainer(r).ports.map((p: K8sObject) => p.name)).toEqual(['client', 'peer']);
    expect(r.all('Service').map((s) => s.metadata.name)).not.toContain('vault-metrics');
    expect(rulesFor(r, 9464)).toEqual([]);
    expect(r.all('ServiceMonitor')).toEqual([]);
  });
});

describe('the NetworkPolicy and the metrics port', () => {
  it('opens the metrics port, alone, to the pods of the namespace by default; the peer port stays the replicas alone', async () => {
    const r = await Rendering.of();
    const [metricsRule, ...others] = rulesFor(r, 9464);
    expect(others).toEqual([]);
    // An empty podSelector without a namespaceSelector: every pod of the policy's own namespace.
    expect(metricsRule).toEqual({ ports: [{ protocol: 'TCP', port: 9464 }], from: [{ podSelector: {} }] });
    const peerRules = rulesFor(r, 8201);
    expect(peerRules).toHaveLength(1);
    expect(peerRules[0].ports).toEqual([{ protocol: 'TCP', port: 8201 }]);
    expect(peerRules[0].from).toEqual([{ podSelector: { matchLabels: r.one('NetworkPolicy', 'vault').spec.podSelector.matchLabels } }]);
  });

  it('opens it to networkPolicy.metricsFrom instead: a Prometheus in the monitoring namespace', async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    expect(rulesFor(r, 9102)).toEqual([
      {
        ports: [{ protocol: 'TCP', port: 9102 }],
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
      },
    ]);
    expect(rulesFor(r, 8201)).toHaveLength(1);
    // Empty: anyone, as for clientFrom.
    const open = await Rendering.of({ setJson: ['networkPolicy.metricsFrom=[]'] });
    expect(rulesFor(open, 9464)).toEqual([{ ports: [{ protocol: 'TCP', port: 9464 }] }]);
  });
});

describe('the ServiceMonitor', () => {
  it('is rendered only when metrics.serviceMonitor.enabled', async () => {
    expect((await Rendering.of()).all('ServiceMonitor')).toEqual([]);
    expect((await Rendering.of({ valuesFiles: ['tls-off-values.yaml'] })).all('ServiceMonitor')).toEqual([]);
    expect((await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] })).all('ServiceMonitor')).toHaveLength(1);
  });

  it("selects the metrics Service alone, scrapes its metrics port over HTTPS, trusting the replicas' CA under a name every certificate carries", async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    const monitor = r.one('ServiceMonitor', 'vault');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    const selected = r.all('Service').filter((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.map((s) => s.metadata.name)).toEqual(['vault-metrics']);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [NS] });
    const [endpoint] = monitor.spec.endpoints;
    expect(selected[0].spec.ports.map((p: K8sObject) => p.name)).toContain(endpoint.port);
    expect(endpoint).toMatchObject({ port: 'metrics', path: '/metrics', scheme: 'https', interval: '30s', scrapeTimeout: '10s' });
    // The CA is the one the helm test pod trusts; the generated certificates name the server.
    const caSecret = r.one('Pod', 'vault-test').spec.volumes[0].secret.secretName;
    expect(endpoint.tlsConfig.ca).toEqual({ secret: { name: caSecret, key: 'ca.crt' } });
    expect(endpoint.tlsConfig.serverName).toBe(`vault.${NS}.svc`);
    const secret = r.one('Secret', 'vault-tls');
    for (let i = 0; i < 5; i++) {
      const cert = new X509Certificate(b64(secret.data[`vault-${i}.crt`]));
      expect(cert.checkHost(endpoint.tlsConfig.serverName)).toBe(endpoint.tlsConfig.serverName);
    }
  });

  it('takes the Secret of cert-manager or your own for the CA, and scrapes plain HTTP with TLS off', async () => {
    const certManager = await Rendering.of({ valuesFiles: ['7-replicas-cert-manager-values.yaml'], setJson: ['metrics.serviceMonitor.enabled=true'] });
    const endpoint = certManager.one('ServiceMonitor', 'vault').spec.endpoints[0];
    expect(endpoint.tlsConfig.ca.secret.name).toBe(certManager.one('Certificate', 'vault-0').spec.secretName);
    expect(certManager.one('Certificate', 'vault-0').spec.dnsNames).toContain(endpoint.tlsConfig.serverName);
    const existing = await Rendering.of({ valuesFiles: ['existing-secrets-values.yaml'], setJson: ['metrics.serviceMonitor.enabled=true'] });
    expect(existing.one('ServiceMonitor', 'vault').spec.endpoints[0].tlsConfig.ca.secret.name).toBe('vault-tls-wildcard');
    const plain = await Rendering.of({ valuesFiles: ['tls-off-values.yaml'], setJson: ['metrics.serviceMonitor.enabled=true'] });
    const plainEndpoint = plain.one('ServiceMonitor', 'vault').spec.endpoints[0];
    expect(plainEndpoint.scheme).toBe('http');
    expect(plainEndpoint.tlsConfig).toBeUndefined();
  });
});

// `helm lint` reports a template's fail as information only; install, upgrade and template refuse.
describe('the metrics rules the templates check', () => {
  it.each([
    ['the client port', ['metrics.port=8200']],
    ['the peer port', ['metrics.port=8201']],
    ['a moved client port', ['ports.client=9464']],
  ])('refuses a metrics port equal to %s (the replica would not boot)', async (_, setJson) => {
    await expect(templateText({ setJson })).rejects.toThrow('metrics.port: must differ from ports.client and ports.peer');
  });

  it('accepts any metrics port while the listener is off, and refuses a ServiceMonitor without it even when schema validation is skipped', async () => {
    await expect(templateText({ setJson: ['metrics.enabled=false', 'metrics.port=8200'] })).resolves.toContain('kind: StatefulSet');
    await expect(templateText({ setJson: ['metrics.enabled=false', 'metrics.serviceMonitor.enabled=true'], extraArgs: ['--skip-schema-validation'] })).rejects.toThrow(
      'metrics.serviceMonitor.enabled: needs metrics.enabled',
    );
  });
});
