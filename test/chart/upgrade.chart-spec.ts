import { FakeKubeApi } from './support/fake-kube-api';
import { K8sObject, Rendering, RenderOptions } from './support/helm';

const NS = 'vault-ns';

/**
 * `helm template --dry-run=server` against a fake API server: the chart's `lookup` calls
 * reach it, so a test plays an upgrade by putting there what a previous render produced.
 */
describe('upgrades (lookup against a fake API server)', () => {
  const api = new FakeKubeApi();

  beforeAll(() => api.start(NS));
  afterAll(() => api.stop());
  beforeEach(() => api.clear());

  const render = (options: RenderOptions = {}, upgrade = false): Promise<Rendering> =>
    Rendering.of({
      ...options,
      namespace: NS,
      extraArgs: ['--dry-run=server', ...(upgrade ? ['--is-upgrade'] : []), ...(options.extraArgs ?? [])],
      env: { KUBECONFIG: api.kubeconfig },
    });

  const secrets = (rendering: Rendering): Record<string, K8sObject> =>
    Object.fromEntries(rendering.all('Secret').map((s) => [s.metadata.name, s.data]));

  it('keeps the generated peer secret, API token, database passwords, CA and certificates', async () => {
    const install = await render();
    // The chart asked the API server for each Secret it generates, and for the StatefulSet.
    expect(api.requests).toEqual(
      expect.arrayContaining([
        `GET /api/v1/namespaces/${NS}/secrets/vault-credentials`,
        `GET /api/v1/namespaces/${NS}/secrets/vault-postgres-0`,
        `GET /api/v1/namespaces/${NS}/secrets/vault-ca`,
        `GET /api/v1/namespaces/${NS}/secrets/vault-tls`,
        `GET /apis/apps/v1/namespaces/${NS}/statefulsets/vault`,
      ]),
    );
    for (const object of [...install.all('Secret'), install.replicas]) api.put(object, NS);

    const upgrade = await render({}, true);
    expect(secrets(upgrade)).toEqual(secrets(install));
    expect(Object.keys(secrets(install)).sort()).toEqual(
      ['vault-ca', 'vault-credentials', 'vault-postgres-0', 'vault-postgres-1', 'vault-postgres-2', 'vault-postgres-3', 'vault-postgres-4', 'vault-tls'].sort(),
    );
  });

  it('keeps a second peer secret patched into the credentials during a change of the peer secret, and drops it once removed', async () => {
    const install = await render();
    const credentials = install.one('Secret', 'vault-credentials');
    const accepted = Buffer.from('a-second-peer-secret-of-enough-length').toString('base64');
    api.put({ ...credentials, data: { ...credentials.data, 'peer-secret-accepted': accepted } }, NS);
    const during = (await render({}, true)).one('Secret', 'vault-credentials').data;
    expect(during).toEqual({ ...credentials.data, 'peer-secret-accepted': accepted });
    api.put(credentials, NS);
    expect((await render({}, true)).one('Secret', 'vault-credentials').data).toEqual(credentials.data);
  });

  it('generates new ones when nothing is there to keep (so the comparison above can fail)', async () => {
    const first = await render();
    const second = await render();
    for (const name of Object.keys(secrets(first))) expect([name, secrets(second)[name]]).not.toEqual([name, secrets(first)[name]]);
  });

  it('re-issues the replicas certificates when their CA is gone, and keeps them otherwise', async () => {
    const install = await render();
    api.put(install.one('Secret', 'vault-tls'), NS);
    const withoutCa = await render({}, true);
    expect(withoutCa.one('Secret', 'vault-tls').data['vault-0.crt']).not.toBe(install.one('Secret', 'vault-tls').data['vault-0.crt']);
    expect(withoutCa.one('Secret', 'vault-tls').data['ca.crt']).toBe(withoutCa.one('Secret', 'vault-ca').data['tls.crt']);
  });

  it('refuses to change the number of replicas of a running release, pointing to the README', async () => {
    const install = await render();
    api.put(install.replicas, NS);
    await expect(render({ setJson: ['replicas=7'] }, true)).rejects.toThrow(
      /replicas: this release runs 5 replicas and every stored secret is split into 5 shares; changing to 7 .*helm\/vault\/README.md/,
    );
    await expect(render({ setJson: ['replicas=3'] }, true)).rejects.toThrow('changing to 3');
    // The same n upgrades; the override lets an empty vault change it.
    await expect(render({ setJson: ['replicas=5', 'logLevel="debug"'] }, true)).resolves.toBeDefined();
    const resized = await render({ setJson: ['replicas=7', 'allowSplitChange=true'] }, true);
    expect(resized.replicas.spec.replicas).toBe(7);
  });

  it('refuses to change the threshold k of a running release', async () => {
    const install = await render();
    api.put(install.replicas, NS);
    await expect(render({ setJson: ['threshold=2'] }, true)).rejects.toThrow(/threshold: this release's secrets were split with k=3; changing to k=2/);
    await expect(render({ setJson: ['writeQuorum=4'] }, true)).resolves.toBeDefined();
  });
});
