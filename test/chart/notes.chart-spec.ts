import { FakeKubeApi } from './support/fake-kube-api';
import { CHART, helm, Rendering, valuesArgs } from './support/helm';

const NS = 'vault-ns';

/** The release notes, as `helm install --dry-run` prints them (the fake API server answers its discovery). */
describe('NOTES.txt', () => {
  const api = new FakeKubeApi();
  beforeAll(() => api.start(NS));
  afterAll(() => api.stop());

  async function notes(valuesFiles: string[]): Promise<string> {
    const result = await helm(
      ['install', 'vault', CHART, '-n', NS, '--dry-run=client', '--disable-openapi-validation', ...valuesArgs({ valuesFiles })],
      { KUBECONFIG: api.kubeconfig },
    );
    if (result.code !== 0) throw new Error(`helm install --dry-run failed: ${result.stderr}`);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  }

  it.each([
    ['defaults', [], 'https'],
    ['existing-secrets-values.yaml', ['existing-secrets-values.yaml'], 'https'],
    ['tls-off-values.yaml', ['tls-off-values.yaml'], 'http'],
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
});
