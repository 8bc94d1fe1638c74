import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The alerting rules the chart ships (helm/vault/files/vault-alerts.yaml; docs/operations.md, "Alerts"). */
export const ALERT_RULES_FILE = join(__dirname, '..', '..', 'helm', 'vault', 'files', 'vault-alerts.yaml');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(ALERT_RULES_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

/**
 * The metric families of our own that the rules read (`vault_...`; a histogram's
 * `_bucket` series counted as its family), each as a replica's /metrics names it in its
 * `# TYPE` line.
 */
export function metricFamiliesInAlertRules(): string[] {
  const names = alertRules().flatMap((rule) => rule.expr.match(/\bvault_[a-z_]+/g) ?? []);
  return [...new Set(names.map((name) => name.replace(/_bucket$/, '')))].sort();
}
