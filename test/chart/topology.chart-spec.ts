import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, parseDocument, YAMLMap } from 'yaml';
import { b64, CHART, K8sObject, Rendering, selects } from './support/helm';

const NS = 'vault-ns';

function podLabels(workload: K8sObject): Record<string, string> {
  return workload.spec.template.metadata.labels;
}

/** Every pod spec the chart renders: the StatefulSets' templates and the test hook pod. */
function podSpecs(rendering: Rendering): Array<[string, K8sObject]> {
  return [
    ...rendering.all('StatefulSet').map((s): [string, K8sObject] => [`StatefulSet/${s.metadata.name}`, s.spec.template.spec]),
    ...rendering.all('Pod').map((p): [string, K8sObject] => [`Pod/${p.metadata.name}`, p.spec]),
  ];
}

describe('VAULT_PEERS', () => {
  it.each([
    ['defaults', [], 'vault', 5, 'https'],
    ['3 replicas', ['3-replicas-external-db-values.yaml'], 'vault', 3, 'https'],
    ['7 replicas', ['7-replicas-cert-manager-values.yaml'], 'vault', 7, 'https'],
    ['TLS off', ['tls-off-values.yaml'], 'vault', 5, 'http'],
  ])('lists every pod by its stable DNS name at the peer port (%s)', async (_, valuesFiles, fullname, n, scheme) => {
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[] });
    const sts = r.replicas;
    expect(sts.spec.replicas).toBe(n);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    const headless = r.one('Service', `${fullname}-peers`);
    expect(sts.spec.serviceName).toBe(headless.metadata.name);
    expect(headless.spec.clusterIP).toBe('None');
    // A replica is ready only once k replicas reach it: the names must resolve before that.
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(selects(headless.spec.selector, podLabels(sts))).toBe(true);

    const peerPort = Number(r.envValue('VAULT_PEER_PORT'));
    expect(peerPort).not.toBe(Number(r.envValue('VAULT_PORT')));
    const container = sts.spec.template.spec.containers[0];
    expect(container.ports).toEqual(expect.arrayContaining([{ name: 'peer', containerPort: peerPort }]));
    expect(headless.spec.ports).toEqual(expect.arrayContaining([expect.objectContaining({ port: peerPort, targetPort: 'peer' })]));

    const peers = r.envValue('VAULT_PEERS')!.split(',');
    expect(peers).toEqual(
      Array.from({ length: n as number }, (_, i) => `${fullname}-${i}=${scheme}://${fullname}-${i}.${fullname}-peers.${NS}.svc.cluster.local:${peerPort}`),
    );
    // Each pod's node id is its own name, which is its entry's id.
    expect(r.envValue('VAULT_NODE_ID')).toBe('$(POD_NAME)');
    expect(r.replicaEnv.get('POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(r.replicaEnv.has('VAULT_ALLOW_INSECURE_PEERS')).toBe(scheme === 'http');
  });

  it('follows the release name and the cluster domain', async () => {
    const r = await Rendering.of({ release: 'prod', setJson: ['replicas=2', 'clusterDomain="k8s.example"'] });
    expect(r.envValue('VAULT_PEERS')).toBe(
      'prod-vault-0=https://prod-vault-0.prod-vault-peers.vault-ns.svc.k8s.example:8201,' +
        'prod-vault-1=https://prod-vault-1.prod-vault-peers.vault-ns.svc.k8s.example:8201',
    );
  });
});

describe('quorum settings', () => {
  it.each([
    ['defaults: n=5', [], [], 3, 3],
    ['7 replicas, k=3, m=4', ['7-replicas-cert-manager-values.yaml'], [], 3, 4],
    ['n=4: m defaults to floor(n/2)+1', [], ['replicas=4'], 3, 3],
    ['n=5, k=4: m defaults to k', [], ['threshold=4'], 4, 4],
    ['n=2', [], ['replicas=2'], 2, 2],
  ])('the PodDisruptionBudget keeps m replicas (%s)', async (_, valuesFiles, setJson, k, m) => {
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[], setJson: setJson as string[] });
    expect(r.envValue('VAULT_THRESHOLD')).toBe(String(k));
    expect(r.envValue('VAULT_WRITE_QUORUM')).toBe(String(m));
    const pdb = r.one('PodDisruptionBudget', 'vault');
    expect(pdb.spec.minAvailable).toBe(m);
    expect(selects(pdb.spec.selector.matchLabels, podLabels(r.replicas))).toBe(true);
  });
});

describe.each([
  ['defaults', []],
  ['3-replicas-external-db-values.yaml', ['3-replicas-external-db-values.yaml']],
  ['7-replicas-cert-manager-values.yaml', ['7-replicas-cert-manager-values.yaml']],
  ['existing-secrets-values.yaml', ['existing-secrets-values.yaml']],
  ['ingress-values.yaml', ['ingress-values.yaml']],
  ['tls-off-values.yaml', ['tls-off-values.yaml']],
])('every container (%s)', (_, valuesFiles) => {
  let r: Rendering;
  beforeAll(async () => {
    r = await Rendering.of({ valuesFiles });
  });

  it('has resource requests and limits for cpu and memory', () => {
    for (const [owner, spec] of podSpecs(r)) {
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const where = `${owner} ${container.name}`;
        expect([where, Object.keys(container.resources?.limits ?? {}).sort()]).toEqual([where, ['cpu', 'memory']]);
        expect([where, Object.keys(container.resources?.requests ?? {}).sort()]).toEqual([where, ['cpu', 'memory']]);
      }
    }
  });

  it('runs non-root, without privilege escalation, on a read-only root filesystem, with no capabilities and the RuntimeDefault seccomp profile', () => {
    for (const [owner, spec] of podSpecs(r)) {
      expect([owner, spec.securityContext?.runAsNonRoot]).toEqual([owner, true]);
      expect([owner, spec.securityContext?.runAsUser]).not.toEqual([owner, 0]);
      expect([owner, spec.securityContext?.seccompProfile]).toEqual([owner, { type: 'RuntimeDefault' }]);
      expect([owner, spec.automountServiceAccountToken]).toEqual([owner, false]);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const where = `${owner} ${container.name}`;
        expect([where, container.securityContext]).toEqual([
          where,
          {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        ]);
      }
    }
    for (const account of r.all('ServiceAccount')) expect(account.automountServiceAccountToken).toBe(false);
  });

  it('probes readiness on /health/ready and liveness on /health, with time for migrations at startup', () => {
    const container = r.replicas.spec.template.spec.containers[0];
    const scheme = r.envValue('VAULT_TLS_CERT') ? 'HTTPS' : 'HTTP';
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'client', scheme });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'client', scheme });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'client', scheme });
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    expect(container.ports).toEqual(expect.arrayContaining([{ name: 'client', containerPort: Number(r.envValue('VAULT_PORT')) }]));
  });
});

describe('the NetworkPolicies', () => {
  it('open the peer port to the replicas only and the client port to clients', async () => {
    const r = await Rendering.of();
    const replicaLabels = podLabels(r.replicas);
    const policy = r.one('NetworkPolicy', 'vault');
    expect(selects(policy.spec.podSelector.matchLabels, replicaLabels)).toBe(true);
    for (const pg of r.all('StatefulSet').filter((s) => s !== r.replicas)) {
      expect(selects(policy.spec.podSelector.matchLabels, podLabels(pg))).toBe(false);
    }
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const peerPort = Number(r.envValue('VAULT_PEER_PORT'));
    const clientPort = Number(r.envValue('VAULT_PORT'));
    const rulesFor = (port: number) => policy.spec.ingress.filter((rule: K8sObject) => rule.ports.some((p: K8sObject) => p.port === port));
    // Only one rule names the peer port, and its only source is the replicas themselves.
    expect(rulesFor(peerPort)).toHaveLength(1);
    const [peerRule] = rulesFor(peerPort);
    expect(peerRule.ports).toEqual([{ protocol: 'TCP', port: peerPort }]);
    expect(peerRule.from).toHaveLength(1);
    expect(Object.keys(peerRule.from[0])).toEqual(['podSelector']);
    expect(peerRule.from[0].podSelector.matchLabels).toEqual(policy.spec.podSelector.matchLabels);
    // No rule opens every port (a rule without ports would include the peer port).
    for (const rule of policy.spec.ingress) expect(rule.ports?.length).toBeGreaterThan(0);
    // Clients: anyone by default.
    const [clientRule] = rulesFor(clientPort);
    expect(clientRule.ports).toEqual([{ protocol: 'TCP', port: clientPort }]);
    expect(clientRule.from).toBeUndefined();
  });

  it('open the client port to networkPolicy.clientFrom (and the helm test pod) when it is set', async () => {
    const r = await Rendering.of({ valuesFiles: ['ingress-values.yaml'] });
    const policy = r.one('NetworkPolicy', 'vault');
    const clientRule = policy.spec.ingress.find((rule: K8sObject) => rule.ports[0].port === 8200);
    expect(clientRule.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      },
      { podSelector: { matchLabels: expect.any(Object) } },
    ]);
    const testPod = r.one('Pod', 'vault-test');
    expect(selects(clientRule.from[1].podSelector.matchLabels, testPod.metadata.labels)).toBe(true);
    expect(selects(clientRule.from[1].podSelector.matchLabels, podLabels(r.replicas))).toBe(false);
  });

  it('let each bundled Postgres be reached only by its own replica', async () => {
    const r = await Rendering.of();
    const postgres = r.all('StatefulSet').filter((s) => s.metadata.labels['app.kubernetes.io/component'] === 'postgres');
    expect(postgres).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      const policy = r.one('NetworkPolicy', `vault-postgres-${i}`);
      // It selects Postgres i and no other pod of the release.
      const selected = r.all('StatefulSet').filter((s) => selects(policy.spec.podSelector.matchLabels, podLabels(s)));
      expect(selected.map((s) => s.metadata.name)).toEqual([`vault-postgres-${i}`]);
      expect(policy.spec.ingress).toEqual([
        {
          from: [{ podSelector: { matchLabels: { ...r.one('PodDisruptionBudget', 'vault').spec.selector.matchLabels, 'statefulset.kubernetes.io/pod-name': `vault-${i}` } } }],
          ports: [{ protocol: 'TCP', port: 5432 }],
        },
      ]);
    }
  });
});

describe('each replica gets its own database', () => {
  it('bundled: each Postgres runs with the page cache the values give (postgres.bundled.sharedBuffers)', async () => {
    const args = (r: Rendering) =>
      r
        .all('StatefulSet')
        .filter((s) => s.metadata.labels['app.kubernetes.io/component'] === 'postgres')
        .map((s) => s.spec.template.spec.containers[0].args);
    expect(args(await Rendering.of())).toEqual(Array(5).fill(['-c', 'shared_buffers=128MB']));
    expect(args(await Rendering.of({ setJson: ['postgres.bundled.sharedBuffers="1GB"'] }))).toEqual(Array(5).fill(['-c', 'shared_buffers=1GB']));
    await expect(Rendering.of({ setJson: ['postgres.bundled.sharedBuffers="lots"'] })).rejects.toThrow(/sharedBuffers/);
  });

  it('bundled: replica i reads the URL of Postgres i, whose Service selects Postgres i only', async () => {
    const r = await Rendering.of();
    const volume = r.replicas.spec.template.spec.volumes.find((v: K8sObject) => v.name === 'database');
    for (let i = 0; i < 5; i++) {
      const source = volume.projected.sources.find((s: K8sObject) => s.secret.items[0].path === `vault-${i}`);
      expect(source.secret).toEqual({ name: `vault-postgres-${i}`, items: [{ key: 'url', path: `vault-${i}` }] });
      const secret = r.one('Secret', `vault-postgres-${i}`);
      const url = new URL(b64(secret.data.url));
      expect(url.hostname).toBe(`vault-postgres-${i}.${NS}.svc.cluster.local`);
      expect(url.password).toBe(b64(secret.data.password));
      const service = r.one('Service', `vault-postgres-${i}`);
      const selected = r.all('StatefulSet').filter((s) => selects(service.spec.selector, podLabels(s)));
      expect(selected.map((s) => s.metadata.name)).toEqual([`vault-postgres-${i}`]);
      // Postgres i is initialised with that same password, and its own volume.
      const pg = r.one('StatefulSet', `vault-postgres-${i}`);
      const env = pg.spec.template.spec.containers[0].env;
      expect(env.find((e: K8sObject) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: `vault-postgres-${i}`, key: 'password' });
      expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
      expect(pg.spec.volumeClaimTemplates[0].spec.storageClassName).toBeUndefined();
    }
    const passwords = Array.from({ length: 5 }, (_, i) => r.one('Secret', `vault-postgres-${i}`).data.password);
    expect(new Set(passwords).size).toBe(5);
  });

  it('external: replica i reads entry i of postgres.external.databaseUrls; no Postgres is installed', async () => {
    const r = await Rendering.of({ valuesFiles: ['3-replicas-external-db-values.yaml'] });
    const volume = r.replicas.spec.template.spec.volumes.find((v: K8sObject) => v.name === 'database');
    expect(volume.projected.sources).toEqual([
      { secret: { name: 'vault-shared-db', items: [{ key: 'replica-0', path: 'vault-0' }] } },
      { secret: { name: 'vault-shared-db', items: [{ key: 'replica-1', path: 'vault-1' }] } },
      { secret: { name: 'vault-db-2', items: [{ key: 'url', path: 'vault-2' }] } },
    ]);
    expect(r.all('StatefulSet')).toHaveLength(1);
    expect(r.objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'postgres')).toEqual([]);
  });
});

describe('TLS', () => {
  it('generated by default: a CA and one certificate per replica, for its DNS names, server and client use', async () => {
    const r = await Rendering.of();
    const env = (name: string) => r.envValue(name);
    expect([env('VAULT_TLS_CERT'), env('VAULT_TLS_KEY'), env('VAULT_TLS_CA')]).toEqual([
      '/etc/vault/tls/$(POD_NAME)/tls.crt',
      '/etc/vault/tls/$(POD_NAME)/tls.key',
      '/etc/vault/tls/$(POD_NAME)/ca.crt',
    ]);
    const secret = r.one('Secret', 'vault-tls');
    const ca = new X509Certificate(b64(secret.data['ca.crt']));
    expect(ca.ca).toBe(true);
    expect(b64(r.one('Secret', 'vault-ca').data['tls.crt'])).toBe(b64(secret.data['ca.crt']));
    const volume = r.replicas.spec.template.spec.volumes.find((v: K8sObject) => v.name === 'tls');
    const peers = r.envValue('VAULT_PEERS')!.split(',');
    for (let i = 0; i < 5; i++) {
      const cert = new X509Certificate(b64(secret.data[`vault-${i}.crt`]));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(b64(secret.data[`vault-${i}.key`])))).toBe(true);
      // The host that the others call it by (its VAULT_PEERS URL), and the client Service's names.
      const host = new URL(peers[i].split('=')[1]).hostname;
      expect(cert.checkHost(host)).toBe(host);
      expect(cert.checkHost(`vault.${NS}.svc`)).toBe(`vault.${NS}.svc`);
      expect(cert.checkHost(`vault-${(i + 1) % 5}.vault-peers.${NS}.svc.cluster.local`)).toBeUndefined();
      // Extended key usage: TLS server (1.3.6.1.5.5.7.3.1) and TLS client (1.3.6.1.5.5.7.3.2).
      expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
      // Pod i finds its own files under its own name.
      const source = volume.projected.sources[i].secret;
      expect(source).toEqual({
        name: 'vault-tls',
        items: [
          { key: `vault-${i}.crt`, path: `vault-${i}/tls.crt` },
          { key: `vault-${i}.key`, path: `vault-${i}/tls.key` },
          { key: 'ca.crt', path: `vault-${i}/ca.crt` },
        ],
      });
    }
    // The CA's private key is never mounted into a pod.
    expect(JSON.stringify(podSpecs(r))).not.toContain('vault-ca');
  });

  it('from cert-manager: one Certificate per replica, for its DNS names, server and client use', async () => {
    const r = await Rendering.of({ valuesFiles: ['7-replicas-cert-manager-values.yaml'] });
    const certificates = r.all('Certificate');
    expect(certificates).toHaveLength(7);
    const volume = r.replicas.spec.template.spec.volumes.find((v: K8sObject) => v.name === 'tls');
    const peers = r.envValue('VAULT_PEERS')!.split(',');
    for (let i = 0; i < 7; i++) {
      const spec = r.one('Certificate', `vault-${i}`).spec;
      expect(spec.issuerRef).toEqual({ name: 'vault-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
      expect(spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
      expect(spec.dnsNames).toContain(new URL(peers[i].split('=')[1]).hostname);
      expect(spec.dnsNames).toContain(`vault.${NS}.svc`);
      expect(volume.projected.sources[i].secret.name).toBe(spec.secretName);
      expect(volume.projected.sources[i].secret.items.map((item: K8sObject) => item.path)).toEqual([
        `vault-${i}/tls.crt`,
        `vault-${i}/tls.key`,
        `vault-${i}/ca.crt`,
      ]);
    }
    expect(r.all('Secret').map((s) => s.metadata.name)).not.toContain('vault-tls');
  });

  it('from an existing Secret: the same files for every replica; no Secret is generated', async () => {
    const r = await Rendering.of({ valuesFiles: ['existing-secrets-values.yaml'] });
    expect([r.envValue('VAULT_TLS_CERT'), r.envValue('VAULT_TLS_KEY'), r.envValue('VAULT_TLS_CA')]).toEqual([
      '/etc/vault/tls/tls.crt',
      '/etc/vault/tls/tls.key',
      '/etc/vault/tls/ca.crt',
    ]);
    const volume = r.replicas.spec.template.spec.volumes.find((v: K8sObject) => v.name === 'tls');
    expect(volume.secret.secretName).toBe('vault-tls-wildcard');
    expect(r.replicaEnv.get('VAULT_PEER_SECRET')?.valueFrom.secretKeyRef).toEqual({ name: 'vault-auth', key: 'VAULT_PEER_SECRET' });
    expect(r.replicaEnv.get('VAULT_API_TOKEN')?.valueFrom.secretKeyRef).toEqual({ name: 'vault-auth', key: 'VAULT_API_TOKEN' });
    expect(r.all('Secret').map((s) => s.metadata.name).sort()).toEqual(['vault-postgres-0', 'vault-postgres-1', 'vault-postgres-2', 'vault-postgres-3', 'vault-postgres-4']);
  });
});

describe('the generated credentials', () => {
  it('meet the replica rules: a peer secret of 32+ characters, a different printable token of 16+', async () => {
    const r = await Rendering.of();
    const secret = r.one('Secret', 'vault-credentials');
    const peerSecret = b64(secret.data['peer-secret']);
    const token = b64(secret.data['api-token']);
    expect(peerSecret.length).toBeGreaterThanOrEqual(32);
    expect(token).toMatch(/^[\x21-\x7e]{16,}$/);
    expect(token).not.toBe(peerSecret);
    expect(r.replicaEnv.get('VAULT_PEER_SECRET')?.valueFrom.secretKeyRef).toEqual({ name: 'vault-credentials', key: 'peer-secret' });
    expect(r.replicaEnv.get('VAULT_API_TOKEN')?.valueFrom.secretKeyRef).toEqual({ name: 'vault-credentials', key: 'api-token' });
    // Read only when the Secret has the key: set during a change of the peer secret, absent otherwise.
    expect(r.replicaEnv.get('VAULT_PEER_SECRET_ACCEPTED')?.valueFrom.secretKeyRef).toEqual({ name: 'vault-credentials', key: 'peer-secret-accepted', optional: true });
    expect(secret.data['peer-secret-accepted']).toBeUndefined();
  });
});

describe('scheduling', () => {
  it('prefers one replica per node by default and requires it with podAntiAffinity=hard; spreads across zones', async () => {
    const soft = (await Rendering.of()).replicas.spec.template.spec;
    expect(soft.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(soft.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(soft.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' });
    const hard = (await Rendering.of({ valuesFiles: ['7-replicas-cert-manager-values.yaml'] })).replicas.spec.template.spec;
    expect(hard.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(hard.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(hard.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
  });

  it('keeps Kubernetes service links out of the replica env (a Service named vault would set VAULT_PORT)', async () => {
    for (const [, spec] of podSpecs(await Rendering.of())) expect(spec.enableServiceLinks).toBe(false);
  });
});

describe('the helm test hook', () => {
  it.each([
    ['defaults', [], 'vault-tls'],
    ['existing-secrets-values.yaml', ['existing-secrets-values.yaml'], 'vault-tls-wildcard'],
  ])('runs files/smoke-test.js against the client Service with the API token, trusting the replicas CA (%s)', async (_, valuesFiles, caSecret) => {
    const r = await Rendering.of({ valuesFiles: valuesFiles as string[] });
    const pod = r.one('Pod', 'vault-test');
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    const container = pod.spec.containers[0];
    expect(container.image).toBe(r.replicas.spec.template.spec.containers[0].image);
    expect(container.command).toEqual(['node', '-e', readFileSync(join(CHART, 'files', 'smoke-test.js'), 'utf8')]);
    const env = new Map(container.env.map((e: K8sObject) => [e.name, e]));
    const service = r.one('Service', 'vault');
    expect(env.get('VAULT_URL')).toEqual({ name: 'VAULT_URL', value: `https://vault.${NS}.svc.cluster.local:${service.spec.ports[0].port}` });
    expect((env.get('VAULT_API_TOKEN') as K8sObject).valueFrom).toEqual(r.replicaEnv.get('VAULT_API_TOKEN')?.valueFrom);
    const mount = container.volumeMounts[0];
    expect((env.get('NODE_EXTRA_CA_CERTS') as K8sObject).value).toBe(`${mount.mountPath}/ca.crt`);
    const volume = pod.spec.volumes.find((v: K8sObject) => v.name === mount.name);
    expect(volume.secret.secretName).toBe(caSecret);
    expect(volume.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
    if (caSecret === 'vault-tls') expect(r.one('Secret', caSecret).data['ca.crt']).toBeDefined();
  });
});

describe('values.yaml', () => {
  it('comments every value (a comment on a key documents its whole value)', () => {
    const document = parseDocument(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    const undocumented: string[] = [];
    const walk = (map: YAMLMap, path: string): void => {
      map.items.forEach((pair, i) => {
        const key = `${path}${String((pair.key as { value: unknown }).value)}`;
        // The yaml parser keeps a comment before a map's first key on the map itself.
        const comment = (pair.key as { commentBefore?: string }).commentBefore ?? (i === 0 ? map.commentBefore : undefined);
        if (comment) return;
        if (isMap(pair.value) && pair.value.items.length > 0) walk(pair.value, `${key}.`);
        else undocumented.push(key);
      });
    };
    walk(document.contents as YAMLMap, '');
    expect(undocumented).toEqual([]);
  });
});
