import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART, CI_VALUES, helm, K8sObject, KUBERNETES_VERSIONS, kubernetesValidate, parseManifests, REPO, templateText, valuesArgs } from './support/helm';

// The defaults, and every values file kept in helm/vault/ci/ (at least: 3 replicas on
// external databases, 7 replicas with k=3 m=4 and cert-manager, existing Secrets, ingress,
// a Prometheus Operator's ServiceMonitor).
const CI_FILES = readdirSync(CI_VALUES).filter((file) => file.endsWith('-values.yaml')).sort();
const VARIANTS: Array<[string, string[]]> = [['defaults', []], ...CI_FILES.map((file): [string, string[]] => [file, [file]])];

/** The OpenAPI schemas do not cover custom resources: the chart renders these, each checked field by field below. */
const CUSTOM_RESOURCES = ['cert-manager.io/v1 Certificate', 'monitoring.coreos.com/v1 ServiceMonitor', 'monitoring.coreos.com/v1 PrometheusRule'];
const CUSTOM_GROUPS = new Set(CUSTOM_RESOURCES.map((resource) => resource.split('/')[0]));
const isCustom = (object: K8sObject): boolean => CUSTOM_GROUPS.has(String(object.apiVersion).split('/')[0]);

/** cert-manager's Certificate (cert-manager.io/v1): the fields the API accepts, for what the chart sets. */
const CERTIFICATE_SPEC_FIELDS = new Set([
  'secretName', 'secretTemplate', 'commonName', 'dnsNames', 'ipAddresses', 'uris', 'emailAddresses', 'duration',
  'renewBefore', 'privateKey', 'usages', 'issuerRef', 'isCA', 'subject', 'keystores', 'revisionHistoryLimit',
  'additionalOutputFormats', 'literalSubject', 'nameConstraints', 'otherNames', 'signatureAlgorithm', 'encodeUsagesInRequest',
]);
const CERTIFICATE_USAGES = new Set([
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
]);

/** A Certificate's problems, none when cert-manager would take it. */
function certificateProblems(certificate: K8sObject): string[] {
  const problems: string[] = [];
  const spec = certificate.spec ?? {};
  for (const field of Object.keys(spec)) if (!CERTIFICATE_SPEC_FIELDS.has(field)) problems.push(`unknown field spec.${field}`);
  for (const usage of spec.usages ?? []) if (!CERTIFICATE_USAGES.has(usage)) problems.push(`unknown usage ${usage}`);
  if (typeof spec.secretName !== 'string' || spec.secretName === '') problems.push('spec.secretName is required');
  if (!spec.issuerRef?.name) problems.push('spec.issuerRef.name is required');
  for (const field of Object.keys(spec.issuerRef ?? {})) if (!['name', 'kind', 'group'].includes(field)) problems.push(`unknown field spec.issuerRef.${field}`);
  for (const field of Object.keys(spec.privateKey ?? {})) if (!['algorithm', 'encoding', 'size', 'rotationPolicy'].includes(field)) problems.push(`unknown field spec.privateKey.${field}`);
  if (spec.privateKey && !['RSA', 'ECDSA', 'Ed25519'].includes(spec.privateKey.algorithm)) problems.push('spec.privateKey.algorithm');
  for (const field of ['duration', 'renewBefore']) if (spec[field] !== undefined && !/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(spec[field])) problems.push(`spec.${field} is not a duration`);
  if (!(spec.dnsNames ?? []).every((name: unknown) => typeof name === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))) problems.push('spec.dnsNames');
  return problems;
}

/** The Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1, its CRD of v0.84): the fields it accepts, for what the chart sets. */
const SERVICE_MONITOR_SPEC_FIELDS = new Set([
  'attachMetadata', 'bodySizeLimit', 'convertClassicHistogramsToNHCB', 'endpoints', 'fallbackScrapeProtocol', 'jobLabel',
  'keepDroppedTargets', 'labelLimit', 'labelNameLengthLimit', 'labelValueLengthLimit', 'namespaceSelector',
  'nativeHistogramBucketLimit', 'nativeHistogramMinBucketFactor', 'podTargetLabels', 'sampleLimit', 'scrapeClass',
  'scrapeClassicHistograms', 'scrapeProtocols', 'selector', 'selectorMechanism', 'serviceDiscoveryRole', 'targetLabels', 'targetLimit',
]);
const SERVICE_MONITOR_ENDPOINT_FIELDS = new Set([
  'authorization', 'basicAuth', 'bearerTokenFile', 'bearerTokenSecret', 'enableHttp2', 'filterRunning', 'followRedirects',
  'honorLabels', 'honorTimestamps', 'interval', 'metricRelabelings', 'noProxy', 'oauth2', 'params', 'path', 'port',
  'proxyConnectHeader', 'proxyFromEnvironment', 'proxyUrl', 'relabelings', 'scheme', 'scrapeTimeout', 'targetPort',
  'tlsConfig', 'trackTimestampsStaleness',
]);
const SERVICE_MONITOR_TLS_FIELDS = new Set(['ca', 'caFile', 'cert', 'certFile', 'insecureSkipVerify', 'keyFile', 'keySecret', 'maxVersion', 'minVersion', 'serverName']);
const PROMETHEUS_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** A ServiceMonitor's problems, none when the Prometheus Operator would take it. */
function serviceMonitorProblems(monitor: K8sObject): string[] {
  const problems: string[] = [];
  const spec = monitor.spec ?? {};
  for (const field of Object.keys(spec)) if (!SERVICE_MONITOR_SPEC_FIELDS.has(field)) problems.push(`unknown field spec.${field}`);
  if (!spec.selector?.matchLabels && !spec.selector?.matchExpressions) problems.push('spec.selector is required');
  for (const field of Object.keys(spec.namespaceSelector ?? {})) if (!['any', 'matchNames'].includes(field)) problems.push(`unknown field spec.namespaceSelector.${field}`);
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) problems.push('spec.endpoints is required');
  (spec.endpoints ?? []).forEach((endpoint: K8sObject, i: number) => {
    const at = `spec.endpoints[${i}]`;
    for (const field of Object.keys(endpoint)) if (!SERVICE_MONITOR_ENDPOINT_FIELDS.has(field)) problems.push(`unknown field ${at}.${field}`);
    if (endpoint.port !== undefined && typeof endpoint.port !== 'string') problems.push(`${at}.port must be a Service port's name`);
    if (endpoint.scheme !== undefined && !['http', 'https'].includes(endpoint.scheme)) problems.push(`${at}.scheme`);
    for (const field of ['interval', 'scrapeTimeout']) if (endpoint[field] !== undefined && !PROMETHEUS_DURATION.test(endpoint[field])) problems.push(`${at}.${field} is not a duration`);
    const tls = endpoint.tlsConfig ?? {};
    for (const field of Object.keys(tls)) if (!SERVICE_MONITOR_TLS_FIELDS.has(field)) problems.push(`unknown field ${at}.tlsConfig.${field}`);
    for (const field of Object.keys(tls.ca ?? {})) if (!['secret', 'configMap'].includes(field)) problems.push(`unknown field ${at}.tlsConfig.ca.${field}`);
    if (tls.ca?.secret && (typeof tls.ca.secret.key !== 'string' || typeof tls.ca.secret.name !== 'string')) problems.push(`${at}.tlsConfig.ca.secret needs name and key`);
  });
  return problems;
}

/** The Prometheus Operator's PrometheusRule (monitoring.coreos.com/v1): the fields it accepts. Whether the rules themselves hold is promtool's to say (alerts.chart-spec.ts). */
const RULE_GROUP_FIELDS = new Set(['name', 'interval', 'rules', 'limit', 'partial_response_strategy', 'query_offset', 'labels']);
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

/** A PrometheusRule's problems, none when the Prometheus Operator would take it. */
function prometheusRuleProblems(rule: K8sObject): string[] {
  const problems: string[] = [];
  const spec = rule.spec ?? {};
  for (const field of Object.keys(spec)) if (field !== 'groups') problems.push(`unknown field spec.${field}`);
  (spec.groups ?? []).forEach((group: K8sObject, i: number) => {
    for (const field of Object.keys(group)) if (!RULE_GROUP_FIELDS.has(field)) problems.push(`unknown field spec.groups[${i}].${field}`);
    if (typeof group.name !== 'string' || group.name === '') problems.push(`spec.groups[${i}].name is required`);
    (group.rules ?? []).forEach((r: K8sObject, j: number) => {
      const at = `spec.groups[${i}].rules[${j}]`;
      for (const field of Object.keys(r)) if (!RULE_FIELDS.has(field)) problems.push(`unknown field ${at}.${field}`);
      if ((r.alert === undefined) === (r.record === undefined)) problems.push(`${at} needs alert or record, not both`);
      if (typeof r.expr !== 'string' || r.expr === '') problems.push(`${at}.expr is required`);
      if (r.for !== undefined && !PROMETHEUS_DURATION.test(r.for)) problems.push(`${at}.for is not a duration`);
      for (const map of ['labels', 'annotations']) {
        if (!Object.values(r[map] ?? {}).every((value) => typeof value === 'string')) problems.push(`${at}.${map} must hold strings`);
      }
    });
  });
  return problems;
}

const CUSTOM_RESOURCE_PROBLEMS: Record<string, (object: K8sObject) => string[]> = {
  'cert-manager.io/v1 Certificate': certificateProblems,
  'monitoring.coreos.com/v1 ServiceMonitor': serviceMonitorProblems,
  'monitoring.coreos.com/v1 PrometheusRule': prometheusRuleProblems,
};

describe.each(VARIANTS)('the chart with %s', (variant, valuesFiles) => {
  let rendered = '';
  let objects: K8sObject[] = [];
  let file = '';

  beforeAll(async () => {
    rendered = await templateText({ valuesFiles });
    objects = parseManifests(rendered);
    const dir = join(REPO, '.tmp', 'chart-renders');
    mkdirSync(dir, { recursive: true });
    file = join(dir, `${variant.replace(/\.yaml$/, '')}.yaml`);
    writeFileSync(file, rendered);
  });

  it('passes helm lint --strict', async () => {
    const result = await helm(['lint', '--strict', CHART, ...valuesArgs({ valuesFiles })]);
    expect(`${result.stdout}${result.stderr}`).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(KUBERNETES_VERSIONS)('renders only objects valid against the Kubernetes %s schemas (strict)', async (version) => {
    const report = await kubernetesValidate(file, version);
    const builtIn = objects.filter((o) => !isCustom(o));
    const custom = objects.filter(isCustom);
    expect(report.output).not.toMatch(/ERROR|did not validate/);
    expect(report.code).toBe(0);
    // Every built-in object was actually checked, and only the custom resources lacked a schema.
    expect(report.passed.sort()).toEqual(builtIn.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`).sort());
    expect(report.noSchema).toEqual(custom.map((o) => `${o.kind} ${o.apiVersion}`));
  });

  it('renders custom resources only of known shape (cert-manager Certificates, Prometheus Operator ServiceMonitors and PrometheusRules)', () => {
    for (const object of objects.filter(isCustom)) {
      const resource = `${object.apiVersion} ${object.kind}`;
      expect(CUSTOM_RESOURCES).toContain(resource);
      const problems = CUSTOM_RESOURCE_PROBLEMS[resource](object);
      expect([resource, problems]).toEqual([resource, []]);
    }
  });

  it('names every object uniquely, in the release namespace, as a DNS label', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const object of objects) {
      expect(object.metadata.namespace).toBe('vault-ns');
      expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('the PrometheusRule check', () => {
  it('refuses a rule with a field the operator does not know, or a duration Prometheus does not read', () => {
    const group = (rule: K8sObject) => ({ spec: { groups: [{ name: 'g', rules: [rule] }] } });
    expect(prometheusRuleProblems(group({ alert: 'A', expr: 'up == 0', for: '5 minutes' }))).toEqual(['spec.groups[0].rules[0].for is not a duration']);
    expect(prometheusRuleProblems(group({ alert: 'A', expr: 'up == 0', severity: 'page' }))).toEqual(['unknown field spec.groups[0].rules[0].severity']);
    expect(prometheusRuleProblems(group({ alert: 'A', expr: 'up == 0', labels: { page: true } }))).toEqual(['spec.groups[0].rules[0].labels must hold strings']);
  });
});

describe('the certificate check', () => {
  it('refuses a Certificate with a field cert-manager does not know', () => {
    expect(certificateProblems({ spec: { secretName: 's', issuerRef: { name: 'i' }, dnsName: ['x'] } })).toEqual(['unknown field spec.dnsName']);
    expect(certificateProblems({ spec: { secretName: 's', issuerRef: { name: 'i' }, usages: ['server'] } })).toEqual(['unknown usage server']);
  });
});

describe('the ServiceMonitor check', () => {
  it('refuses a ServiceMonitor with a field or value the Prometheus Operator does not know', () => {
    const selector = { matchLabels: { a: 'b' } };
    expect(serviceMonitorProblems({ spec: { selector, endpoints: [{ port: 'metrics' }] } })).toEqual([]);
    expect(serviceMonitorProblems({ spec: { selector, endpoint: [{ port: 'metrics' }] } })).toEqual(['unknown field spec.endpoint', 'spec.endpoints is required']);
    expect(serviceMonitorProblems({ spec: { selector, endpoints: [{ port: 9464, interval: '30 s', tlsConfig: { ca: { secret: { name: 's' } } } }] } })).toEqual([
      "spec.endpoints[0].port must be a Service port's name",
      'spec.endpoints[0].interval is not a duration',
      'spec.endpoints[0].tlsConfig.ca.secret needs name and key',
    ]);
    expect(serviceMonitorProblems({ spec: { endpoints: [{ port: 'metrics', scheme: 'HTTPS', tlsConfig: { server: 'x' } }] } })).toEqual([
      'spec.selector is required',
      'spec.endpoints[0].scheme',
      'unknown field spec.endpoints[0].tlsConfig.server',
    ]);
  });
});
