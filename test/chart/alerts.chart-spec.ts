import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALERT_RULES_FILE, alertRules, promtool, writeRulesFile } from '../support/alert-rules';
import { K8sObject, Rendering, REPO, templateText } from './support/helm';

const PROMETHEUS_OPERATOR = 'prometheus-operator-values.yaml';
const RULE_TESTS = join(REPO, 'test', 'chart', 'vault-alerts.test.yaml');

interface RuleTests {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

describe('the alert rules (helm/vault/files/vault-alerts.yaml)', () => {
  it('are a valid Prometheus rule file', async () => {
    const result = await promtool(['check', 'rules', ALERT_RULES_FILE]);
    expect(result.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(result.code).toBe(0);
  });

  it('fire when they should, with their labels and text, and stay quiet on series close to that (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', RULE_TESTS]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('each have a case that makes them fire, and one that does not', () => {
    const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests.flatMap((test) => test.alert_rule_test);
    const firing = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    for (const { alert } of alertRules()) {
      expect({ alert, firing: firing.has(alert) }).toEqual({ alert, firing: true });
    }
    // A quiet case is either its own eval (before `for` has run, or before the change) or
    // other series in the same test that the expected alerts leave out.
    expect(quiet.size).toBeGreaterThanOrEqual(10);
  });

  it("warn of an expiring certificate only after cert-manager's default renewal time has passed", () => {
    const values = parse(readFileSync(join(REPO, 'helm', 'vault', 'values.yaml'), 'utf8'));
    const renewBeforeHours = Number(/^(\d+)h$/.exec(values.tls.certManager.renewBefore)?.[1]);
    const warning = alertRules().find((rule) => rule.alert === 'VaultTLSCertificateExpiring')!;
    const warningDays = Number(/< (\d+) \* 86400$/.exec(warning.expr)?.[1]);
    expect(warningDays).toBe(14);
    // A certificate renewed on time never comes near the warning.
    expect(renewBeforeHours).toBeGreaterThan(warningDays * 24);
  });

  it('say how bad and what happened, and never mix two clusters', () => {
    for (const rule of alertRules()) {
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      // Every aggregation keeps the labels that tell one Vault cluster from another.
      for (const [, labels] of rule.expr.matchAll(/\b(?:by|on) \(([^)]*)\)/g)) {
        expect([rule.alert, labels]).toEqual([rule.alert, expect.stringMatching(/^namespace, job\b/)]);
      }
    }
  });
});

describe('the PrometheusRule', () => {
  it('is not rendered unless asked for', async () => {
    expect((await Rendering.of()).all('PrometheusRule')).toEqual([]);
    expect((await Rendering.of({ setJson: ['metrics.serviceMonitor.enabled=true'] })).all('PrometheusRule')).toEqual([]);
  });

  it('is refused without the metrics listener, even when schema validation is skipped', async () => {
    await expect(templateText({ setJson: ['metrics.enabled=false', 'metrics.prometheusRule.enabled=true'], extraArgs: ['--skip-schema-validation'] })).rejects.toThrow(
      'metrics.prometheusRule.enabled: needs metrics.enabled',
    );
  });

  it("carries the rule file's alerts, with the labels the Prometheus selects by and the alert labels given", async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    const rule = r.one('PrometheusRule', 'vault');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/instance': 'vault' });
    const vault = rule.spec.groups.find((group: K8sObject) => group.name === 'vault');
    expect(vault.rules).toEqual(alertRules().map((alert) => ({ ...alert, labels: { ...alert.labels, team: 'platform' } })));
  });

  it("keeps each alert's own severity over an alert label of that name", async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR], setJson: ['metrics.prometheusRule.alertLabels={"severity":"page","team":"db"}'] });
    const rules: K8sObject[] = r.one('PrometheusRule', 'vault').spec.groups.flatMap((group: K8sObject) => group.rules);
    expect(rules.length).toBe(alertRules().length + 2);
    for (const rule of rules) expect(rule.labels).toEqual({ severity: expect.stringMatching(/^(warning|critical)$/), team: 'db' });
  });

  it('adds alerts on the bundled Postgres volumes, and none with an external database', async () => {
    const bundled = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    const groups = bundled.one('PrometheusRule', 'vault').spec.groups;
    expect(groups.map((group: K8sObject) => group.name)).toEqual(['vault', 'vault-postgres-volumes']);
    // The claims the alerts select are the ones the bundled StatefulSets make: <template>-<statefulset>-0.
    const claims = bundled
      .all('StatefulSet')
      .filter((s) => s.metadata.labels['app.kubernetes.io/component'] === 'postgres')
      .map((s) => `${s.spec.volumeClaimTemplates[0].metadata.name}-${s.metadata.name}-0`);
    expect(claims).toEqual(['data-vault-postgres-0-0', 'data-vault-postgres-1-0', 'data-vault-postgres-2-0', 'data-vault-postgres-3-0', 'data-vault-postgres-4-0']);
    for (const rule of groups[1].rules) {
      const pattern = /persistentvolumeclaim=~"([^"]+)"/.exec(rule.expr)?.[1];
      for (const claim of claims) expect(claim).toMatch(new RegExp(`^(?:${pattern})$`));
      expect('data-vault-other-postgres-0-0').not.toMatch(new RegExp(`^(?:${pattern})$`));
    }

    const external = await Rendering.of({ valuesFiles: ['3-replicas-external-db-values.yaml'], setJson: ['metrics.prometheusRule.enabled=true'] });
    expect(external.one('PrometheusRule', 'vault').spec.groups.map((group: K8sObject) => group.name)).toEqual(['vault']);
  });

  it('renders rules that promtool takes, and volume alerts that fire on a filling volume of this release only', async () => {
    const r = await Rendering.of({ valuesFiles: [PROMETHEUS_OPERATOR] });
    const rules = writeRulesFile('rendered-rules.yaml', { groups: r.one('PrometheusRule', 'vault').spec.groups });
    const check = await promtool(['check', 'rules', rules]);
    expect(check.output).toContain(`SUCCESS: ${alertRules().length + 2} rules found`);

    const series = (claim: string, name: string, namespace = 'vault-ns') => `${name}{namespace="${namespace}", job="kubelet", persistentvolumeclaim="${claim}"}`;
    const labels = (claim: string, severity: string) => ({ severity, team: 'platform', namespace: 'vault-ns', job: 'kubelet', persistentvolumeclaim: claim });
    const description =
      'A replica whose database is full refuses every audited request. Grow the volume, or keep fewer days of audit trail (auditRetentionDays): docs/operations.md, "Sizing the database".';
    const tests = writeRulesFile('volume-alerts.test.yaml', {
      rule_files: [rules],
      evaluation_interval: '10m',
      tests: [
        {
          interval: '10m',
          input_series: [
            // 8 GB, losing 20 MB every 10 minutes: empty in under 3 days.
            { series: series('data-vault-postgres-0-0', 'kubelet_volume_stats_available_bytes'), values: '8000000000-20000000x40' },
            { series: series('data-vault-postgres-0-0', 'kubelet_volume_stats_capacity_bytes'), values: '8000000000x40' },
            // Steady, but 5 % free.
            { series: series('data-vault-postgres-1-0', 'kubelet_volume_stats_available_bytes'), values: '400000000x40' },
            { series: series('data-vault-postgres-1-0', 'kubelet_volume_stats_capacity_bytes'), values: '8000000000x40' },
            // Another release's, and the same name in another namespace: not ours.
            { series: series('data-other-postgres-0-0', 'kubelet_volume_stats_available_bytes'), values: '100000000-20000000x4 0x35' },
            { series: series('data-other-postgres-0-0', 'kubelet_volume_stats_capacity_bytes'), values: '8000000000x40' },
            { series: series('data-vault-postgres-2-0', 'kubelet_volume_stats_available_bytes', 'elsewhere'), values: '100000000-20000000x4 0x35' },
            { series: series('data-vault-postgres-2-0', 'kubelet_volume_stats_capacity_bytes', 'elsewhere'), values: '8000000000x40' },
          ],
          alert_rule_test: [
            { eval_time: '30m', alertname: 'VaultPostgresVolumeFillingUp' },
            {
              eval_time: '3h',
              alertname: 'VaultPostgresVolumeFillingUp',
              exp_alerts: [
                {
                  exp_labels: labels('data-vault-postgres-0-0', 'warning'),
                  exp_annotations: { summary: 'data-vault-postgres-0-0 fills up within 4 days at the rate of the last 6 hours', description },
                },
              ],
            },
            {
              eval_time: '3h',
              alertname: 'VaultPostgresVolumeAlmostFull',
              exp_alerts: [{ exp_labels: labels('data-vault-postgres-1-0', 'critical'), exp_annotations: { summary: 'data-vault-postgres-1-0 has 5% of its space left', description } }],
            },
          ],
        },
      ],
    });
    const result = await promtool(['test', 'rules', tests]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
