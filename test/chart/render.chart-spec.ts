import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART, CI_VALUES, helm, K8sObject, KUBERNETES_VERSIONS, kubernetesValidate, parseManifests, REPO, templateText, valuesArgs } from './support/helm';

// The defaults, and every values file kept in helm/vault/ci/ (at least: 3 replicas on
// external databases, 7 replicas with k=3 m=4 and cert-manager, existing Secrets, ingress).
const CI_FILES = readdirSync(CI_VALUES).filter((file) => file.endsWith('-values.yaml')).sort();
const VARIANTS: Array<[string, string[]]> = [['defaults', []], ...CI_FILES.map((file): [string, string[]] => [file, [file]])];

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

/** The OpenAPI schemas do not cover custom resources; the one the chart renders is checked field by field. */
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
    const builtIn = objects.filter((o) => !String(o.apiVersion).includes('cert-manager.io'));
    const custom = objects.filter((o) => String(o.apiVersion).includes('cert-manager.io'));
    expect(report.output).not.toMatch(/ERROR|did not validate/);
    expect(report.code).toBe(0);
    // Every built-in object was actually checked, and only the custom resources lacked a schema.
    expect(report.passed.sort()).toEqual(builtIn.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`).sort());
    expect(report.noSchema).toEqual(custom.map((o) => `${o.kind} ${o.apiVersion}`));
  });

  it('renders custom resources only of known shape (cert-manager Certificates)', () => {
    const custom = objects.filter((o) => String(o.apiVersion).includes('cert-manager.io'));
    for (const object of custom) {
      expect(`${object.apiVersion} ${object.kind}`).toBe('cert-manager.io/v1 Certificate');
      expect(certificateProblems(object)).toEqual([]);
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

describe('the certificate check', () => {
  it('refuses a Certificate with a field cert-manager does not know', () => {
    expect(certificateProblems({ spec: { secretName: 's', issuerRef: { name: 'i' }, dnsName: ['x'] } })).toEqual(['unknown field spec.dnsName']);
    expect(certificateProblems({ spec: { secretName: 's', issuerRef: { name: 'i' }, usages: ['server'] } })).toEqual(['unknown usage server']);
  });
});
