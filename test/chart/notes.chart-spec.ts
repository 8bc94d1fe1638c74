import { FakeKubeApi } from './support/fake-kube-api';
import { CHART, helm, Rendering, valuesArgs } from './support/helm';

const NS = 'vault-ns';

/** The release notes, as `helm install --dry-run` prints them (the fake API server answers its discovery). */
describe('NOTES.txt', () => {
  const api = new FakeKubeApi();
  beforeAll(() => api.start(NS));
  afterAll(() => api.stop());

  async function notes(valuesFiles: string[], setJson: string[] = []): Promise<string> {
    const result = await helm(
      ['install', 'vault', CHART, '-n', NS, '--dry-run=client', '--disable-openapi-validation', ...valuesArgs({ valuesFiles, setJson })],
      { KUBECONFIG: api.kubeconfig },
    );
    if (result.code !== 0) throw new Error(`helm install --dry-run failed: ${result.stderr}`);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  }

  it.each([
    ['defaults', [], 'https'],
    ['existing-secrets-values.yaml', ['existing-secrets-values.yaml'], 'https'],
    ['tls-off-values.yaml', ['tls-off-values.yaml'], 'http'],
    ['prometheus-operator-values.yaml', ['prometheus-operator-values.yaml'], 'https'],
  ])('tells how to get the token and reach Swagger UI (%s)', async (_, valuesFiles, scheme) => {
    const text = await notes(valuesFiles as string[]);
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[] });
    // The token command reads the very Secret and key the replicas take VAULT_API_TOKEN from.
    const { name, key } = r.replicaEnv.get('VAULT_API_TOKEN')!.valueFrom.secretKeyRef;
    expect(text).toContain(`kubectl -n ${NS} get secret ${name} -o jsonpath='{.data.${key}}' | base64 -d`);
    expect(text).toContain(`kubectl -n ${NS} port-forward service/vault 8200:8200`);
    expect(text).toContain(`Swagger UI: ${scheme}://localhost:8200/docs`);
    expect(text).toContain(`helm test vault -n ${NS}`);
    if (scheme === 'https') {
      // The CA it tells to trust is the one the test pod trusts.
      const caSecret = r.one('Pod', 'vault-test').spec.volumes[0].secret.secretName;
      expect(text).toContain(`kubectl -n ${NS} get secret ${caSecret} -o jsonpath='{.data.ca\\.crt}'`);
    } else {
      expect(text).toContain('TLS OFF');
    }
  });

  it.each([
    ['defaults', [], 'https', 9464],
    ['tls-off-values.yaml', ['tls-off-values.yaml'], 'http', 9464],
    ['prometheus-operator-values.yaml', ['prometheus-operator-values.yaml'], 'https', 9102],
  ])('tells where the metrics are and who may reach them (%s)', async (_, valuesFiles, scheme, port) => {
    const text = await notes(valuesFiles as string[]);
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[] });
    expect(text).toContain(`on port ${port} of every replica, all listed by the headless Service vault-metrics`);
    expect(text).toContain(`kubectl -n ${NS} port-forward pod/vault-0 ${port}:${port}`);
    expect(text).toContain(scheme === 'https' ? `--resolve vault:${port}:127.0.0.1 https://vault:${port}/metrics` : `curl http://localhost:${port}/metrics`);
    expect(text).toContain('networkPolicy.metricsFrom');
    expect(text.includes('scraped through ServiceMonitor vault')).toBe(r.all('ServiceMonitor').length > 0);
    expect(text.includes('Alerts: PrometheusRule vault')).toBe(r.all('PrometheusRule').length > 0);
  });

  it('says nothing of metrics when they are off', async () => {
    expect(await notes([])).toContain('5. Metrics');
    const off = await notes([], ['metrics.enabled=false']);
    expect(off).not.toContain('Metrics');
    expect(off).toContain(`helm test vault -n ${NS}`);
  });
});
